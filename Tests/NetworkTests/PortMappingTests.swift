import ContainerNetwork
import Testing

@Suite struct PortMappingTests {
  @Test func parsesDockerForms() throws {
    #expect(try PortMapping.parse("8888:80") == [PortMapping(hostPort: 8888, containerPort: 80)])
    #expect(
      try PortMapping.parse("127.0.0.1:8080:80/udp") == [
        PortMapping(hostIP: "127.0.0.1", hostPort: 8080, containerPort: 80, proto: .udp)
      ])
    #expect(try PortMapping.parse("80") == [PortMapping(hostPort: 0, containerPort: 80)])
    #expect(
      try PortMapping.parse("127.0.0.1::53/udp") == [
        PortMapping(hostIP: "127.0.0.1", hostPort: 0, containerPort: 53, proto: .udp)
      ])
    let range = try PortMapping.parse("8000-8002:80-82")
    #expect(range.map(\.hostPort) == [8000, 8001, 8002])
    #expect(range.map(\.containerPort) == [80, 81, 82])
    #expect(range[1].description == "0.0.0.0:8001->81/tcp")
  }

  @Test(arguments: [
    ("abc:80", "Invalid hostPort: abc"), ("80:abc", "Invalid containerPort: abc"),
    ("80:80/sctp", "Invalid proto: sctp"),
    ("1.2.3:80:80", "Invalid ip address: 1.2.3"), ("70000:80", "Invalid hostPort: 70000"),
    ("8000-8001:80", "Invalid ranges specified for container and host Ports"), ("1:2:3:4", "Invalid port format"),
    ("", "No port specified"), ("80:0", "Invalid containerPort: 0"),
  ])
  func rejectsBadSpecsNamingThem(spec: String, reason: String) {
    #expect(throws: NetworkError.invalidPortSpec(spec, reason: reason)) { try PortMapping.parse(spec) }
  }

  @Test func parsesExpose() throws {
    let e = try PortMapping.parseExposed("8000-8001/udp")
    #expect(e.map(\.port) == [8000, 8001])
    #expect(e.allSatisfy { $0.proto == .udp })
    #expect(throws: NetworkError.self) { try PortMapping.parseExposed("x") }
  }

  @Test func networkModes() throws {
    #expect(try NetworkMode("none") == NetworkMode.none)
    #expect(try NetworkMode("host") == .host)
    #expect(try NetworkMode("bridge") == .bridge)
    #expect(try NetworkMode("container:web") == .container("web"))
    #expect(throws: NetworkError.invalidNetworkMode("foo")) { try NetworkMode("foo") }
    #expect(NetworkError.invalidNetworkMode("foo").description == "network foo not found")
  }
}
