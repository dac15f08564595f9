/// An IPv4 prefix such as `10.89.0.0/16`. The first host address is the bridge's gateway, as with docker's
/// `docker0`; container addresses come after it.
public struct IPv4Subnet: Sendable, Hashable, Codable, CustomStringConvertible {
  public var network: IPv4Address
  public var prefixLength: Int

  public init(_ text: String) throws {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, let len = Int(parts[1]), (8...30).contains(len),
      let addr = try? IPv4Address(String(parts[0]))
    else { throw NetworkError.invalidSubnet(text) }
    let mask: UInt32 = len == 0 ? 0 : UInt32.max << UInt32(32 - len)
    guard addr.value & ~mask == 0 else { throw NetworkError.invalidSubnet(text) }
    network = addr
    prefixLength = len
  }

  public var mask: UInt32 { UInt32.max << UInt32(32 - prefixLength) }
  public var broadcast: IPv4Address { IPv4Address(network.value | ~mask) }
  public var gateway: IPv4Address { IPv4Address(network.value + 1) }
  /// Addresses IPAM may hand out: everything but the network, gateway and broadcast addresses.
  public var hostRange: ClosedRange<UInt32> { (network.value + 2)...(broadcast.value - 1) }

  public func contains(_ a: IPv4Address) -> Bool { a.value & mask == network.value }

  public var description: String { "\(network)/\(prefixLength)" }

  public init(from decoder: any Decoder) throws {
    try self.init(try decoder.singleValueContainer().decode(String.self))
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.singleValueContainer()
    try c.encode(description)
  }
}
