import ContainerNetwork
import Foundation
import Testing

@Suite struct HostFilesTests {
  @Test func hostsListsLoopbackAndTheContainer() throws {
    let text = HostFiles.hosts(hostname: "abc123", address: try IPv4Address("10.89.0.2"))
    let lines = text.split(separator: "\n")
    #expect(lines.first == "127.0.0.1\tlocalhost")
    #expect(lines.last == "10.89.0.2\tabc123")
    #expect(text.contains("::1\tlocalhost ip6-localhost ip6-loopback"))
  }

  @Test func resolvConfDropsLoopbackNameservers() {
    let host = "# generated\nnameserver 127.0.0.53\nsearch example.org\noptions edns0\n"
    let c = HostFiles.resolvConf(host: host)
    #expect(!c.contains("127.0.0.53"))
    #expect(c.contains("search example.org"))
    #expect(c.contains("nameserver 8.8.8.8\nnameserver 8.8.4.4\n"))
    let kept = HostFiles.resolvConf(host: "nameserver 192.0.2.53\n")
    #expect(kept == "nameserver 192.0.2.53\n")
    #expect(HostFiles.resolvConf(host: host, keepLoopback: true).contains("nameserver 127.0.0.53"))
  }

  @Test func writesTheThreeFiles() async throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ckit-hostfiles-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }
    let files = try await HostFiles.write(
      to: dir.path, hostname: "web", address: try IPv4Address("10.89.0.9"), mode: .bridge)
    #expect(Set(files.keys) == ["/etc/hosts", "/etc/resolv.conf", "/etc/hostname"])
    #expect(try String(contentsOfFile: files["/etc/hostname"] ?? "", encoding: .utf8) == "web\n")
    #expect(try String(contentsOfFile: files["/etc/hosts"] ?? "", encoding: .utf8).hasSuffix("10.89.0.9\tweb\n"))
  }
}
