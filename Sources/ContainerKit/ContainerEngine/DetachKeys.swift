/// The key sequence that detaches an attached session without stopping the process, as Docker's `--detach-keys`
/// spells it: comma-separated keys, each `ctrl-<letter>`, `ctrl-@`, `ctrl-[`, `ctrl-\`, `ctrl-]`, `ctrl-^`,
/// `ctrl-_` or one plain character. Docker's default is `ctrl-p,ctrl-q`.
public struct DetachKeys: Sendable, Equatable {
  /// The bytes a terminal sends for the sequence.
  public var bytes: [UInt8]

  /// Docker's default, ctrl-p then ctrl-q.
  public static let `default` = DetachKeys(bytes: [16, 17])

  /// The sequence as raw bytes.
  public init(bytes: [UInt8]) { self.bytes = bytes }

  /// Parses Docker's spelling; fails with Docker's message for anything else.
  public init(_ spec: String) throws(EngineError) {
    var bytes = [UInt8]()
    for key in spec.split(separator: ",") {
      let k = key.lowercased()
      guard let byte = Self.byte(k) else { throw .invalidArgument("Invalid detach keys (\(spec)) provided") }
      bytes.append(byte)
    }
    self.bytes = bytes
  }

  /// `spec` parsed, or the default when it is nil or empty (Docker's API treats an empty value so).
  public static func parse(_ spec: String?) throws(EngineError) -> DetachKeys {
    guard let spec, !spec.isEmpty else { return .default }
    return try DetachKeys(spec)
  }

  private static func byte(_ key: String) -> UInt8? {
    if key.hasPrefix("ctrl-"), key.count == 6, let c = key.last?.asciiValue {
      if c >= 97, c <= 122 { return c - 96 }
      return ["@": 0, "[": 27, "\\": 28, "]": 29, "^": 30, "_": 31][Character(UnicodeScalar(c))]
    }
    if key.count == 1, let c = key.first?.asciiValue { return c }
    return nil
  }
}
