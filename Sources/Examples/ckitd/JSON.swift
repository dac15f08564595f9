import ContainerKit

/// A JSON value with its object keys in the order they were written: Docker's answers are built as these (their
/// field order is dockerd's, and `docker inspect` prints them in that order), and request bodies are read into
/// them so that a field of the wrong type is a clear 400 rather than a decoding failure somewhere deep.
enum JSON: Sendable, Equatable {
  case null
  case bool(Bool)
  case int(Int64)
  case double(Double)
  case string(String)
  case array([JSON])
  case object([(String, JSON)])

  static func == (lhs: JSON, rhs: JSON) -> Bool {
    switch (lhs, rhs) {
    case (.null, .null): true
    case (.bool(let a), .bool(let b)): a == b
    case (.int(let a), .int(let b)): a == b
    case (.double(let a), .double(let b)): a == b
    case (.string(let a), .string(let b)): a == b
    case (.array(let a), .array(let b)): a == b
    case (.object(let a), .object(let b)): a.map(\.0) == b.map(\.0) && a.map(\.1) == b.map(\.1)
    default: false
    }
  }

  /// An integer of any width.
  static func number(_ value: some BinaryInteger) -> JSON { .int(Int64(clamping: value)) }

  /// A string, or null when absent.
  static func string(_ value: String?) -> JSON { value.map { .string($0) } ?? .null }

  /// An array of strings, or null when absent (Go's nil slice).
  static func strings(_ value: [String]?) -> JSON { value.map { .array($0.map { .string($0) }) } ?? .null }

  /// A string map as an object (keys sorted, as Go's encoder writes maps); null when absent.
  static func map(_ value: [String: String]?) -> JSON {
    guard let value else { return .null }
    return .object(value.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
  }

  /// A field of an object; nil when absent or not an object.
  subscript(key: String) -> JSON? {
    guard case .object(let fields) = self else { return nil }
    return fields.last { $0.0 == key }?.1
  }

  /// The object's fields (empty for anything else).
  var fields: [(String, JSON)] {
    if case .object(let fields) = self { return fields }
    return []
  }

  /// Whether this is JSON's null.
  var isNull: Bool { if case .null = self { true } else { false } }

  /// The value serialized compactly, as Go's `json.Encoder` writes it (`<`, `>`, `&` escaped as Go does).
  func serialized() -> String { String(decoding: bytes(), as: UTF8.self) }

  /// ``serialized()`` as UTF-8 bytes, followed by `terminator` (the answers' newline): written straight to bytes,
  /// not through a `String` (a thousand-container `ps` answer is 650 KB).
  func bytes(terminator: UInt8? = nil) -> [UInt8] {
    var out = [UInt8]()
    write(to: &out)
    if let terminator { out.append(terminator) }
    return out
  }

  private func write(to out: inout [UInt8]) {
    switch self {
    case .null: out += "null".utf8
    case .bool(let b): out += (b ? "true" : "false").utf8
    case .int(let i): out += String(i).utf8
    case .double(let d):
      if d.isFinite, d == d.rounded(), abs(d) < 1e15 {
        out += String(Int64(d)).utf8
      } else if d.isFinite {
        out += "\(d)".utf8
      } else {
        out.append(UInt8(ascii: "0"))
      }
    case .string(let s): JSONString.append(s, escapingHTML: true, to: &out)
    case .array(let items):
      out.append(UInt8(ascii: "["))
      for (i, item) in items.enumerated() {
        if i > 0 { out.append(UInt8(ascii: ",")) }
        item.write(to: &out)
      }
      out.append(UInt8(ascii: "]"))
    case .object(let fields):
      out.append(UInt8(ascii: "{"))
      for (i, (key, value)) in fields.enumerated() {
        if i > 0 { out.append(UInt8(ascii: ",")) }
        JSONString.append(key, escapingHTML: true, to: &out)
        out.append(UInt8(ascii: ":"))
        value.write(to: &out)
      }
      out.append(UInt8(ascii: "}"))
    }
  }

  /// Parses a request body; anything that is not JSON is a 400 naming the problem.
  static func parse(_ bytes: [UInt8]) throws -> JSON {
    var parser = JSONParser(bytes: bytes)
    return try parser.document()
  }
}

extension JSON: ExpressibleByDictionaryLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
  ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral, ExpressibleByNilLiteral
{
  init(dictionaryLiteral elements: (String, JSON)...) { self = .object(elements) }
  init(stringLiteral value: String) { self = .string(value) }
  init(arrayLiteral elements: JSON...) { self = .array(elements) }
  init(booleanLiteral value: Bool) { self = .bool(value) }
  init(integerLiteral value: Int) { self = .int(Int64(value)) }
  init(nilLiteral: ()) { self = .null }
}
