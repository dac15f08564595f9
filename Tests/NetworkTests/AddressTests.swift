import ContainerNetwork
import Testing

@Suite struct AddressTests {
  @Test func parsesAndFormatsIPv4() throws {
    let a = try IPv4Address("10.89.3.7")
    #expect(a.value == 0x0A59_0307)
    #expect(a.description == "10.89.3.7")
    for bad in ["10.89.3", "10.89.3.256", "a.b.c.d", "1.2.3.4.5", "1..2.3", " 1.2.3.4", "+1.2.3.4"] {
      #expect(throws: NetworkError.invalidAddress(bad)) { try IPv4Address(bad) }
    }
  }

  @Test func subnetArithmetic() throws {
    let s = try IPv4Subnet("10.89.0.0/16")
    #expect(s.gateway.description == "10.89.0.1")
    #expect(s.broadcast.description == "10.89.255.255")
    #expect(IPv4Address(s.hostRange.lowerBound).description == "10.89.0.2")
    #expect(s.contains(try IPv4Address("10.89.200.1")))
    #expect(!s.contains(try IPv4Address("10.90.0.1")))
    #expect(throws: NetworkError.invalidSubnet("10.89.0.1/16")) { try IPv4Subnet("10.89.0.1/16") }
    #expect(throws: NetworkError.invalidSubnet("10.89.0.0")) { try IPv4Subnet("10.89.0.0") }
  }

  @Test func macFollowsDockersScheme() throws {
    #expect(VethPair.macAddress(for: try IPv4Address("172.17.0.2")) == "02:42:ac:11:00:02")
    #expect(VethPair.hostInterfaceName(containerID: "0123456789abcdef0123").count <= 15)
  }
}
