/// One `RUN --mount=...` (bind, cache, tmpfs, secret, ssh) with BuildKit's keys, defaults and checks.
public struct RunMount: Sendable, Hashable {
  public enum Kind: String, Sendable, Hashable, CaseIterable {
    case bind, cache, tmpfs, secret, ssh
  }

  public enum Sharing: String, Sendable, Hashable, CaseIterable {
    case shared, `private`, locked
  }

  public var type: Kind = .bind
  /// Stage, image or build context the mount's source comes from.
  public var from: String?
  public var source: String?
  public var target: String?
  public var readOnly: Bool = true
  /// Cache or secret/ssh id.
  public var id: String?
  public var sharing: Sharing?
  public var required: Bool = false
  public var mode: UInt32?
  public var uid: UInt32?
  public var gid: UInt32?
  /// tmpfs size in bytes.
  public var size: Int64?
  /// Secret exposed as this environment variable.
  public var env: String?
  /// The flag value as written, kept for expansion.
  public var raw: String

  static let keys = [
    "type", "from", "source", "src", "target", "dst", "destination", "readonly", "ro", "readwrite", "rw", "id",
    "sharing", "required", "mode", "uid", "gid", "size", "env",
  ]

  /// Parses a mount. Without `expand`, values that reference variables are kept as written and checked only once
  /// expanded (as BuildKit defers them), except `from`, which never expands.
  public init(parsing raw: String, expand: ((String) throws(DockerfileError.Reason) -> String)? = nil)
    throws(DockerfileError.Reason)
  {
    self.raw = raw
    let fields = try Self.csvFields(raw)
    var roAuto = true
    for field in fields {
      let parts = field.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      let key = GoText.asciiLower(String(parts[0]))
      if parts.count == 1 {
        switch key {
        case "readonly", "ro":
          readOnly = true
          roAuto = false
          continue
        case "readwrite", "rw":
          readOnly = false
          roAuto = false
          continue
        case "required":
          guard type == .secret || type == .ssh else {
            throw .invalidMount("unexpected key '\(key)' for mount type '\(type.rawValue)'")
          }
          required = true
          continue
        default:
          throw .invalidMount("invalid field '\(field)' must be a key=value pair")
        }
      }
      var value = String(parts[1])
      let deferred = value.utf8.contains(0x24)
      if key == "from" && deferred {
        throw .invalidMount("'from' doesn't support variable expansion, define alias stage instead")
      }
      if deferred {
        if let expand {
          value = try expand(value)
        } else if ["source", "src", "target", "dst", "destination", "id", "env"].contains(key) {
          // Keep the text; typed keys wait for expansion.
        } else {
          guard Self.keys.contains(key) else {
            throw .invalidMount(
              "unexpected key '\(key)' in '\(field)'"
                + (Suggest.closest(key, in: Self.keys).map { " (did you mean \($0)?)" } ?? ""))
          }
          continue
        }
      }
      func bool() throws(DockerfileError.Reason) -> Bool {
        switch value.lowercased() {
        case "1", "t", "true": return true
        case "0", "f", "false": return false
        default: throw .invalidMount("invalid value for \(key): \(value)")
        }
      }
      func number(_ radix: Int) throws(DockerfileError.Reason) -> UInt32 {
        guard let v = UInt32(value, radix: radix) else { throw .invalidMount("invalid value \(value) for \(key)") }
        return v
      }
      switch key {
      case "type":
        guard let k = Kind(rawValue: value.lowercased()) else {
          throw .invalidMount(
            "unsupported mount type \(GoText.quote(value))"
              + (Suggest.closest(value, in: Kind.allCases.map(\.rawValue)).map { " (did you mean \($0)?)" } ?? ""))
        }
        type = k
      case "from": from = value
      case "source", "src": source = value
      case "target", "dst", "destination": target = value
      case "readonly", "ro":
        readOnly = try bool()
        roAuto = false
      case "readwrite", "rw":
        readOnly = !(try bool())
        roAuto = false
      case "required":
        guard type == .secret || type == .ssh else {
          throw .invalidMount("unexpected key '\(key)' for mount type '\(type.rawValue)'")
        }
        required = try bool()
      case "id": id = value
      case "sharing":
        guard let s = Sharing(rawValue: value.lowercased()) else {
          throw .invalidMount("unsupported sharing value \(GoText.quote(value))")
        }
        sharing = s
      case "mode": mode = try number(8)
      case "uid": uid = try number(10)
      case "gid": gid = try number(10)
      case "size":
        guard type == .tmpfs else { throw .invalidMount("unexpected key 'size' for mount type '\(type.rawValue)'") }
        guard let s = Self.bytes(value) else { throw .invalidMount("invalid value \(value) for size") }
        size = s
      case "env":
        guard type == .secret else { throw .invalidMount("unexpected key 'env' for mount type '\(type.rawValue)'") }
        env = value
      default:
        throw .invalidMount(
          "unexpected key '\(key)' in '\(field)'"
            + (Suggest.closest(key, in: Self.keys).map { " (did you mean \($0)?)" } ?? ""))
      }
    }
    let fileInfoAllowed = type == .secret || type == .ssh || type == .cache
    if !fileInfoAllowed {
      if mode != nil { throw .invalidMount("mode not allowed for \(GoText.quote(type.rawValue)) type mounts") }
      if uid != nil { throw .invalidMount("uid not allowed for \(GoText.quote(type.rawValue)) type mounts") }
      if gid != nil { throw .invalidMount("gid not allowed for \(GoText.quote(type.rawValue)) type mounts") }
    }
    if roAuto { readOnly = !(type == .cache || type == .tmpfs) }
    if sharing != nil && type != .cache {
      throw .invalidMount("invalid cache sharing set for \(type.rawValue) mount")
    }
    if type == .secret {
      if from != nil { throw .invalidMount("secret mount should not have a from") }
      if source == nil && target == nil && id == nil && env == nil {
        throw .invalidMount("invalid secret mount. one of source, target required")
      }
      if source != nil && id != nil { throw .invalidMount("both source and id can't be set") }
    }
    if (type == .bind || type == .cache || type == .tmpfs) && target == nil {
      throw .invalidMount("mount target is required for \(type.rawValue) mounts")
    }
  }

  /// `1024`, `64k`, `1.5m`, `2g` (binary multiples, as docker's RAMInBytes).
  static func bytes(_ s: String) -> Int64? {
    var t = s.lowercased()
    if t.hasSuffix("b") { t.removeLast() }
    var mult: Double = 1
    if let last = t.last, let m = ["k": 1024.0, "m": 1048576.0, "g": 1073741824.0, "t": 1099511627776.0][last] {
      mult = m
      t.removeLast()
    }
    guard let v = Double(t), v >= 0, v * mult < 9e18 else { return nil }
    return Int64(v * mult)
  }

  /// Go's `encoding/csv` reading one record (the mount syntax is CSV so values may be quoted).
  static func csvFields(_ s: String) throws(DockerfileError.Reason) -> [String] {
    if !s.utf8.contains(0x22) {
      return s.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    }
    var fields: [String] = []
    let b = Array(s.unicodeScalars)
    var i = 0
    while true {
      var field = String.UnicodeScalarView()
      if i < b.count, b[i] == "\"" {
        i += 1
        while true {
          guard i < b.count else {
            throw .invalidMount("failed to parse csv mounts: extraneous or missing \" in quoted-field")
          }
          if b[i] == "\"" {
            if i + 1 < b.count, b[i + 1] == "\"" {
              field.append("\"")
              i += 2
              continue
            }
            i += 1
            break
          }
          field.append(b[i])
          i += 1
        }
        guard i == b.count || b[i] == "," else {
          throw .invalidMount("failed to parse csv mounts: extraneous or missing \" in quoted-field")
        }
      } else {
        while i < b.count, b[i] != "," {
          if b[i] == "\"" { throw .invalidMount("failed to parse csv mounts: bare \" in non-quoted-field") }
          field.append(b[i])
          i += 1
        }
      }
      fields.append(String(field))
      if i >= b.count { break }
      i += 1
    }
    return fields
  }
}
