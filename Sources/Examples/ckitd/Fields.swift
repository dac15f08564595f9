import ContainerEngine

/// Typed reads of request-body fields: a field of the wrong type is a 400 naming it (as dockerd's decoder says
/// `json: cannot unmarshal number into Go struct field ... of type string`), absent or null is nil.
enum Fields {
  static func string(_ value: JSON?, _ name: String) throws -> String? {
    switch value {
    case nil, .null?: return nil
    case .string(let s)?: return s
    default: throw wrongType(name, "string")
    }
  }

  static func bool(_ value: JSON?, _ name: String) throws -> Bool? {
    switch value {
    case nil, .null?: return nil
    case .bool(let b)?: return b
    default: throw wrongType(name, "bool")
    }
  }

  static func int(_ value: JSON?, _ name: String) throws -> Int64? {
    switch value {
    case nil, .null?: return nil
    case .int(let i)?: return i
    case .double(let d)? where d == d.rounded() && abs(d) < 9e18: return Int64(d)
    default: throw wrongType(name, "int64")
    }
  }

  /// A list of strings; Docker also accepts a single string for `Cmd`, `Entrypoint` (`strslice`).
  static func strings(_ value: JSON?, _ name: String, single: Bool = false) throws -> [String]? {
    switch value {
    case nil, .null?: return nil
    case .string(let s)? where single: return [s]
    case .array(let items)?:
      return try items.map {
        guard case .string(let s) = $0 else { throw wrongType(name, "[]string") }
        return s
      }
    default: throw wrongType(name, "[]string")
    }
  }

  /// A map of strings (`Labels`).
  static func stringMap(_ value: JSON?, _ name: String) throws -> [String: String]? {
    switch value {
    case nil, .null?: return nil
    case .object(let fields)?:
      var map: [String: String] = [:]
      for (k, v) in fields {
        guard case .string(let s) = v else { throw wrongType("\(name).\(k)", "string") }
        map[k] = s
      }
      return map
    default: throw wrongType(name, "map[string]string")
    }
  }

  /// An object's fields (empty when absent or null).
  static func object(_ value: JSON?, _ name: String) throws -> [(String, JSON)] {
    switch value {
    case nil, .null?: return []
    case .object(let fields)?: return fields
    default: throw wrongType(name, "object")
    }
  }

  /// A terminal size as Docker's `ConsoleSize` (`[height, width]`, `*[2]uint`): nil when absent or `[0, 0]`.
  static func consoleSize(_ value: JSON?, _ name: String) throws -> TerminalSize? {
    switch value {
    case nil, .null?: return nil
    case .array(let dims)? where dims.count == 2:
      let sizes = try dims.map { dim -> UInt16 in
        guard case .int(let n) = dim, let size = UInt16(exactly: n) else { throw wrongType(name, "[2]uint") }
        return size
      }
      return sizes.contains(0) ? nil : TerminalSize(rows: sizes[0], columns: sizes[1])
    default: throw wrongType(name, "[2]uint")
    }
  }

  static func wrongType(_ name: String, _ type: String) -> APIError {
    APIError.badRequest("json: cannot unmarshal into Go struct field \(name) of type \(type)")
  }
}
