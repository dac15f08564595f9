/// An EXPOSE entry: `80`, `80/tcp`, `53/udp`, `8000-8010/tcp`.
public struct PortSpec: Sendable, Hashable, CustomStringConvertible {
  public var start: UInt16
  public var end: UInt16
  /// `tcp`, `udp` or `sctp`.
  public var proto: String

  public init(start: UInt16, end: UInt16? = nil, proto: String = "tcp") {
    self.start = start
    self.end = end ?? start
    self.proto = proto
  }

  /// Parses Docker's `port[-port][/proto]` (protocol case-insensitive, tcp by default).
  public init(parsing s: String) throws(DockerfileError.Reason) {
    var portPart = Substring(s)
    var proto = "tcp"
    if let slash = s.firstIndex(of: "/") {
      portPart = s[..<slash]
      proto = s[s.index(after: slash)...].lowercased()
      guard ["tcp", "udp", "sctp"].contains(proto) else { throw .invalidProtocol(String(s[s.index(after: slash)...])) }
    }
    func port(_ p: Substring) -> UInt16? {
      guard !p.isEmpty, p.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
      return UInt16(p)
    }
    if let dash = portPart.firstIndex(of: "-") {
      guard let a = port(portPart[..<dash]), let b = port(portPart[portPart.index(after: dash)...]), a <= b else {
        throw .invalidPort(s)
      }
      self.init(start: a, end: b, proto: proto)
    } else {
      guard let a = port(portPart) else { throw .invalidPort(s) }
      self.init(start: a, proto: proto)
    }
  }

  public var description: String {
    (start == end ? "\(start)" : "\(start)-\(end)") + "/" + proto
  }
}
