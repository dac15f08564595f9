import ContainerNetwork
import Foundation
import TestSupport
import Testing

/// The netlink path on the real kernel: every result is read back with tools that do not share our code (sysfs,
/// `ip`, busybox ping/wget), and every test removes what it made.
@Suite(.enabled(if: isRoot, "requires root"))
struct NetlinkTests {
  /// A bridge and namespaces named for one test, removed by `cleanup()` even after a failure.
  final class Scene: @unchecked Sendable {
    let tag = String(UInt32.random(in: 0..<UInt32.max), radix: 16)
    let bridge: Bridge
    let stateDir: String
    var namespaces = [NetworkNamespace]()
    var extraLinks = [String]()

    init() throws {
      // A /24 of its own in 10.200-224.x.0, as NetnsFixture: away from ckit0 and the ckit end-to-end tests.
      let subnet = try IPv4Subnet(TestSubnet.next(secondOctet: 200...224))
      bridge = try Bridge(name: "ckn\(tag)", subnet: subnet)
      stateDir = FileManager.default.temporaryDirectory.appendingPathComponent("ckit-nl-\(tag)").path
    }

    var network: BridgeNetwork { BridgeNetwork(bridge: bridge, stateDirectory: stateDir, enableForwarding: false) }

    func namespace(_ suffix: String) async throws -> NetworkNamespace {
      let ns = try NetworkNamespace(name: "ckn-\(tag)-\(suffix)")
      namespaces.append(ns)
      try await ns.create()
      return ns
    }

    /// Runs `body` on a new scene and cleans it up after, whether `body` threw or not.
    static func with(_ body: (Scene) async throws -> Void) async throws {
      let s = try Scene()
      do { try await body(s) } catch {
        await s.cleanup()
        throw error
      }
      await s.cleanup()
    }

    func cleanup() async {
      try? await NATRules.remove(bridge: bridge)
      for ns in namespaces { try? await ns.remove() }
      for l in extraLinks { _ = try? Command.run(["ip", "link", "del", l], check: false) }
      try? await bridge.remove()
      try? FileManager.default.removeItem(atPath: stateDir)
    }
  }

  static func linkIsUp(_ name: String) -> Bool {
    guard let text = try? String(contentsOfFile: "/sys/class/net/\(name)/flags", encoding: .utf8),
      let flags = Int(text.trimmingCharacters(in: .whitespacesAndNewlines).dropFirst(2), radix: 16)
    else { return false }
    return flags & 1 != 0
  }

  @Test func bridgeIsCreatedUpWithItsGatewayOnce() async throws {
    try await Scene.with { s in
      try await s.bridge.ensure()
      #expect(FileManager.default.fileExists(atPath: "/sys/class/net/\(s.bridge.name)/bridge"))
      #expect(Self.linkIsUp(s.bridge.name))
      // A second ensure (another ckit, or the next container) adds nothing.
      try await s.bridge.ensure()
      let addrs = try Command.run(["ip", "-o", "-4", "addr", "show", "dev", s.bridge.name]).stdout
      #expect(addrs.contains("inet \(s.bridge.subnet.gateway)/24 "))
      #expect(addrs.components(separatedBy: "inet ").count == 2)
      try await s.bridge.remove()
      #expect(!FileManager.default.fileExists(atPath: "/sys/class/net/\(s.bridge.name)"))
    }
  }

  @Test func namespaceIsMadeWithoutIPAndListedByIt() async throws {
    try await Scene.with { s in
      let ns = try await s.namespace("a")
      #expect(try Command.run(["ip", "netns", "list"]).stdout.contains(ns.name))
      let lo = try Command.run(["ip", "-n", ns.name, "-o", "link", "show", "lo"]).stdout
      #expect(lo.contains(",UP"))
      // A different namespace than the host's: its only link is lo.
      let links = try Command.run(["ip", "-n", ns.name, "-o", "link", "show"]).stdout
      #expect(links.split(separator: "\n").count == 1)
      // Creating again reuses it (a container restarted after a kill -9 of everything).
      try await ns.create()
      try await ns.remove()
      #expect(!ns.exists)
      #expect(try !Command.run(["ip", "netns", "list"]).stdout.contains(ns.name))
      let mounts = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
      #expect(!mounts.contains(ns.path))
      try await ns.remove()
      // A plain file where a namespace should be (a creation that died half-way) is unlinked, not unmounted.
      FileManager.default.createFile(atPath: ns.path, contents: nil)
      #expect(ns.exists)
      try await ns.remove()
      #expect(!ns.exists)
      for bad in [".", "..", "a/b", ""] {
        #expect(throws: NetworkError.invalidNetworkMode(bad)) { try NetworkNamespace(name: bad) }
      }
    }
  }

  /// Two namespaces on one bridge: addresses, MAC and route read back with `ip -n`, then ping and an HTTP GET
  /// from one to the other; both ways of disconnecting leave no veth and no address allocation.
  @Test func twoNamespacesTalkOverTheBridge() async throws {
    let s = try Scene()
    var server: pid_t = 0
    do {
      let a = try await s.namespace("a")
      let b = try await s.namespace("b")
      let net = s.network
      let epA = try await net.connect(containerID: "a1\(s.tag)0000", netnsPath: a.path)
      let epB = try await net.connect(containerID: "b2\(s.tag)0000", netnsPath: b.path)
      #expect(s.bridge.ports == [epA.hostInterface, epB.hostInterface].sorted())
      #expect(Self.linkIsUp(epA.hostInterface))

      let eth = try Command.run(["ip", "-n", b.name, "-o", "link", "show", "eth0"]).stdout
      #expect(eth.contains("state UP"))
      #expect(eth.contains("link/ether \(epB.macAddress)"))
      let addr = try Command.run(["ip", "-n", b.name, "-o", "-4", "addr", "show", "dev", "eth0"]).stdout
      #expect(addr.contains("inet \(epB.address)/24"))
      let route = try Command.run(["ip", "-n", a.name, "route", "show", "default"]).stdout
      #expect(route.contains("default via \(s.bridge.subnet.gateway) dev eth0"))

      try Command.run(["ip", "netns", "exec", a.name, "busybox", "ping", "-c", "1", "-W", "2", "\(epB.address)"])
      let www = s.stateDir + "/www"
      try FileManager.default.createDirectory(atPath: www, withIntermediateDirectories: true)
      try "from b\n".write(toFile: www + "/index.html", atomically: true, encoding: .utf8)
      server = try Spawn.run(
        ["/usr/sbin/ip", "netns", "exec", b.name, "busybox", "httpd", "-f", "-p", "8080", "-h", www], fds: [])
      // httpd starts in B after the spawn returns: wait for it to answer.
      let body = try await eventuallyValue(every: .milliseconds(100)) { () -> String? in
        let r = try Command.run(
          // (This busybox's wget crashes with -q or -T; its progress goes to stderr.)
          ["ip", "netns", "exec", a.name, "busybox", "wget", "-O", "-", "http://\(epB.address):8080/index.html"],
          check: false)
        return r.status == 0 ? r.stdout : nil
      }
      #expect(body == "from b\n")
      // The server holds B's namespace; a container's cleanup likewise runs after its processes are gone.
      Self.reap(server)
      server = 0

      try await net.disconnect(containerID: "a1\(s.tag)0000", hostInterface: epA.hostInterface)
      #expect(!FileManager.default.fileExists(atPath: "/sys/class/net/\(epA.hostInterface)"))
      #expect(try Command.run(["ip", "-n", a.name, "link", "show", "eth0"], check: false).status != 0)
      // Namespace first: the kernel deletes B's pair in the background, shortly after.
      try await net.disconnect(containerID: "b2\(s.tag)0000", namespace: b)
      #expect(!b.exists)
      #expect(try await eventually { !FileManager.default.fileExists(atPath: "/sys/class/net/\(epB.hostInterface)") })
      #expect(s.bridge.ports.isEmpty)
      #expect(try await net.ipam.allocations().isEmpty)
    } catch {
      if server > 0 { Self.reap(server) }
      await s.cleanup()
      throw error
    }
    if server > 0 { Self.reap(server) }
    await s.cleanup()
    for ns in s.namespaces { #expect(!ns.exists) }
    #expect(!s.bridge.exists)
    #expect(try !NATRules.isInstalled(bridge: s.bridge))
  }

  /// A link of another kind holding the host veth's name is not deleted: the error names it. A stale veth of
  /// that name (a container that died unseen) is replaced.
  @Test func duplicateLinkNamesAreTypedErrors() async throws {
    try await Scene.with { s in
      let ns = try await s.namespace("d")
      let id = "d0\(s.tag)0000"
      let host = VethPair.hostInterfaceName(containerID: id)
      s.extraLinks.append(host)
      // (The dummy driver is not built for this kernel; a bridge is another kind just as well.)
      try Command.run(["ip", "link", "add", host, "type", "bridge"])
      let net = s.network
      do {
        _ = try await net.connect(containerID: id, netnsPath: ns.path)
        Issue.record("connect succeeded over a bridge named \(host)")
      } catch let e as NetworkError {
        guard case .netlink(let op, let code, _) = e else { throw e }
        #expect(code == EEXIST)
        #expect(op.hasPrefix("create veth \(host) on \(s.bridge.name) with peer eth0 in netns \(ns.name)"))
        #expect(e.description.contains("File exists"))
      }
      #expect(FileManager.default.fileExists(atPath: "/sys/class/net/\(host)"))
      #expect(try await net.ipam.allocations().isEmpty)
      #expect(try Command.run(["ip", "-n", ns.name, "link", "show", "eth0"], check: false).status != 0)

      // A bridge name taken by a link of another kind.
      let vethName = "ckv\(s.tag)"
      s.extraLinks.append(vethName)
      try Command.run(["ip", "link", "add", vethName, "type", "veth", "peer", "name", "ckw\(s.tag)"])
      let other = try Bridge(name: vethName, subnet: s.bridge.subnet)
      await #expect(
        throws: NetworkError.netlink(
          operation: "create bridge \(vethName)", errno: EEXIST, message: "a link of kind veth has that name")
      ) {
        try await other.ensure()
      }

      // A stale veth under the name is replaced.
      try Command.run(["ip", "link", "del", host])
      try Command.run(["ip", "link", "add", host, "type", "veth", "peer", "name", "ckx\(s.tag)"])
      let ep = try await net.connect(containerID: id, netnsPath: ns.path)
      #expect(s.bridge.ports == [host])
      #expect(!FileManager.default.fileExists(atPath: "/sys/class/net/ckx\(s.tag)"))
      try await net.disconnect(containerID: id, hostInterface: ep.hostInterface)
    }
  }

  /// A failure inside the namespace names the step, the interface and the namespace, and rolls the pair back.
  @Test func failureInsideTheNamespaceIsNamedAndRolledBack() async throws {
    try await Scene.with { s in
      let ns = try await s.namespace("r")
      try await s.bridge.ensure()
      let gw = s.bridge.subnet.gateway
      // A default route already there makes ours collide.
      try Command.run(["ip", "-n", ns.name, "link", "add", "br0", "type", "bridge"])
      try Command.run(["ip", "-n", ns.name, "link", "set", "br0", "up"])
      try Command.run(["ip", "-n", ns.name, "route", "add", "default", "dev", "br0"])
      let id = "e0\(s.tag)0000"
      let address = IPv4Address(s.bridge.subnet.network.value + 9)
      do {
        _ = try await VethPair.attach(containerID: id, netnsPath: ns.path, bridge: s.bridge, address: address)
        Issue.record("attach succeeded over an existing default route")
      } catch let e as NetworkError {
        #expect(
          e.description.hasPrefix("add default route via \(gw) dev eth0 in netns \(ns.name): File exists"),
          "\(e)")
      }
      #expect(!FileManager.default.fileExists(atPath: "/sys/class/net/\(VethPair.hostInterfaceName(containerID: id))"))
      #expect(try Command.run(["ip", "-n", ns.name, "link", "show", "eth0"], check: false).status != 0)
      // A namespace path that does not exist.
      await #expect(
        throws: NetworkError.netlink(
          operation: "open netns /run/netns/ckn-\(s.tag)-none", errno: ENOENT, message: "")
      ) {
        _ = try await VethPair.attach(
          containerID: id, netnsPath: "/run/netns/ckn-\(s.tag)-none", bridge: s.bridge, address: address)
      }
    }
  }

  static func reap(_ pid: pid_t) {
    kill(pid, SIGKILL)
    var status: Int32 = 0
    waitpid(pid, &status, 0)
  }
}
