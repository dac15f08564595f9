import ContainerNetwork
import Foundation
import TestSupport
import Testing

@Suite(.enabled(if: isRoot, "requires root"))
struct BridgeTests {
  @Test func bridgeVethAndRoutesOnTheRealKernel() async throws {
    let fx = try NetnsFixture()
    // An ID of its own: the host veth is named after it, and another run of the suite may be at the same test.
    let id = NetnsFixture.containerID()
    do {
      let net = BridgeNetwork(bridge: fx.bridge, stateDirectory: fx.stateDir, enableForwarding: false)
      let ep = try await net.connect(containerID: id, netnsPath: fx.netnsPath)
      // Idempotent: a second ensure (another ckit) changes nothing.
      try await fx.bridge.ensure()
      #expect(fx.bridge.exists)
      #expect(fx.bridge.ports == [ep.hostInterface])
      #expect(ep.address == IPv4Address(fx.bridge.subnet.network.value + 2))
      let addr = try fx.inNetns(["ip", "-o", "-4", "addr", "show", "dev", "eth0"]).stdout
      #expect(addr.contains("inet \(ep.address)/24"))
      let route = try fx.inNetns(["ip", "route", "show", "default"]).stdout
      #expect(route.contains("default via \(fx.bridge.subnet.gateway) dev eth0"))
      let mac = try String(contentsOfFile: "/sys/class/net/\(ep.hostInterface)/address", encoding: .utf8)
      #expect(!mac.isEmpty)
      // The namespace reaches the gateway over the bridge, and the host reaches the container.
      try fx.inNetns(["busybox", "ping", "-c", "1", "-W", "2", fx.bridge.subnet.gateway.description])
      try Command.run(["busybox", "ping", "-c", "1", "-W", "2", ep.address.description])

      try await net.disconnect(containerID: id, hostInterface: ep.hostInterface)
      #expect(!FileManager.default.fileExists(atPath: "/sys/class/net/\(ep.hostInterface)"))
      #expect(try await net.ipam.allocations().isEmpty)
      let gone = try fx.inNetns(["ip", "link", "show", "eth0"], check: false)
      #expect(gone.status != 0)
    } catch {
      await fx.cleanup()
      throw error
    }
    await fx.cleanup()
    #expect(!fx.bridge.exists)
  }

  @Test func natRulesAreInstalledAndRemoved() async throws {
    let fx = try NetnsFixture()
    do {
      try await fx.bridge.ensure()
      try await NATRules.install(bridge: fx.bridge)
      #expect(try NATRules.isInstalled(bridge: fx.bridge))
      let rules = try await NATRules.listing(bridge: fx.bridge)
      #expect(rules.contains("ip saddr \(fx.bridge.subnet) oifname != \"\(fx.bridge.name)\" masquerade"))
      #expect(rules.contains("hook postrouting"))
      // Installing again replaces rather than duplicates.
      try await NATRules.install(bridge: fx.bridge)
      #expect(try await NATRules.listing(bridge: fx.bridge).components(separatedBy: "masquerade").count == 2)
      try await NATRules.remove(bridge: fx.bridge)
      #expect(try !NATRules.isInstalled(bridge: fx.bridge))
      try await NATRules.remove(bridge: fx.bridge)
    } catch {
      await fx.cleanup()
      throw error
    }
    await fx.cleanup()
  }

  @Test func portInUseIsAClearError() throws {
    // Port 0: the kernel picks one that is free, so no other process can take it first.
    let first = try PortReservation.bind([PortMapping(hostIP: "127.0.0.1", hostPort: 0, containerPort: 80)])
    defer { first.forEach { $0.close() } }
    let port = first[0].mapping.hostPort
    #expect(throws: NetworkError.portInUse(hostIP: "", port: port, proto: .tcp)) {
      try PortReservation.bind([PortMapping(hostPort: port, containerPort: 80)])
    }
    #expect(
      NetworkError.portInUse(hostIP: "", port: port, proto: .tcp).description
        == "Bind for 0.0.0.0:\(port) failed: port is already allocated")
    // All or nothing: the first mapping of a failing set is released again.
    let other = try FreePort.next()
    #expect(throws: NetworkError.self) {
      try PortReservation.bind([
        PortMapping(hostPort: other, containerPort: 1),
        PortMapping(hostIP: "127.0.0.1", hostPort: port, containerPort: 2),
      ])
    }
    let again = try PortReservation.bind([PortMapping(hostPort: other, containerPort: 1)])
    again.forEach { $0.close() }
    // Port 0: the kernel picks, and the reservation says which.
    let any = try PortReservation.bind([PortMapping(hostPort: 0, containerPort: 80)])
    defer { any.forEach { $0.close() } }
    #expect(any[0].mapping.hostPort > 0)
  }

  /// A server in a namespace of our own, published on the host through the monitor's proxy: it answers on
  /// 127.0.0.1, and the port is free again once the monitor is gone (here: kill -9).
  @Test func publishedPortAnswersOnLoopbackThroughTheMonitor() async throws {
    let fx = try NetnsFixture()
    let id = NetnsFixture.containerID()
    var pids = [pid_t]()
    defer {
      for p in pids {
        kill(p, SIGKILL)
        var s: Int32 = 0
        waitpid(p, &s, 0)
      }
    }
    do {
      let net = BridgeNetwork(bridge: fx.bridge, stateDirectory: fx.stateDir, enableForwarding: false)
      let ep = try await net.connect(containerID: id, netnsPath: fx.netnsPath)
      let www = fx.stateDir + "/www"
      try FileManager.default.createDirectory(atPath: www, withIntermediateDirectories: true)
      try "hello from the netns\n".write(toFile: www + "/index.html", atomically: true, encoding: .utf8)

      // Port 0: the kernel picks a free one and the reservation holds it from the start.
      let res = try PortReservation.bind([PortMapping(hostPort: 0, containerPort: 80)])
      let port = res[0].mapping.hostPort
      let monitor = Products.path("ckit-monitor")
      let pid = try Spawn.run(
        [
          monitor, "--state", fx.stateDir + "/state.json", "--publish", res[0].monitorArgument(target: ep.address),
          "--", "/usr/sbin/ip", "netns", "exec", fx.netns, "busybox", "httpd", "-f", "-p", "80", "-h", www,
        ], fds: [(res[0].fd, res[0].fd)])
      pids.append(pid)
      res.forEach { $0.close() }

      // httpd starts in the namespace after the spawn returns: wait for it to answer.
      let reply = try await eventuallyValue {
        (try? HTTPProbe.get(host: "127.0.0.1", port: port, path: "/index.html", timeout: 2)).flatMap {
          $0.status == 200 ? $0 : nil
        }
      }
      #expect(reply?.status == 200)
      #expect(reply?.text == "hello from the netns\n")

      // kill -9 of the monitor: the kernel closes its socket, and the port can be taken again.
      let state = try String(contentsOfFile: fx.stateDir + "/state.json", encoding: .utf8)
      let server = try #require(
        state.firstMatch(of: /"Pid":([0-9]+)/).flatMap { Int32($0.1) }, "monitor state: \(state)")
      kill(pid, SIGKILL)
      var status: Int32 = 0
      waitpid(pid, &status, 0)
      pids.removeAll()
      kill(server, SIGKILL)
      let freed = try await eventually(every: .milliseconds(100)) {
        guard let r = try? PortReservation.bind([PortMapping(hostPort: port, containerPort: 80)]) else { return false }
        r.forEach { $0.close() }
        return true
      }
      #expect(freed)
      try await net.disconnect(containerID: id, hostInterface: ep.hostInterface)
    } catch {
      await fx.cleanup()
      throw error
    }
    await fx.cleanup()
  }
}
