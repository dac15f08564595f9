/// An IPv4 address as a host-order integer, so that subnet arithmetic and IPAM are plain integer math.
public struct IPv4Address: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
  public var value: UInt32

  public init(_ value: UInt32) { self.value = value }

  /// Parses dotted-quad notation strictly (four decimal octets, no leading `+`, nothing after).
  public init(_ text: String) throws {
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 4 else { throw NetworkError.invalidAddress(text) }
    var v: UInt32 = 0
    for p in parts {
      guard !p.isEmpty, p.count <= 3, p.allSatisfy({ $0.isASCII && $0.isNumber }), let octet = UInt32(p), octet <= 255
      else { throw NetworkError.invalidAddress(text) }
      v = v << 8 | octet
    }
    value = v
  }

  public var description: String {
    "\(value >> 24 & 0xff).\(value >> 16 & 0xff).\(value >> 8 & 0xff).\(value & 0xff)"
  }

  public static func < (a: IPv4Address, b: IPv4Address) -> Bool { a.value < b.value }

  public init(from decoder: any Decoder) throws {
    let s = try decoder.singleValueContainer().decode(String.self)
    try self.init(s)
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.singleValueContainer()
    try c.encode(description)
  }
}
