import ContainerNetwork
import Foundation

/// A bridge container's network endpoint, set up and torn down: netns, bridge check, NAT check, address, veth pair
/// with the peer's address, MAC, loopback and default route, then veth, address and netns released. "after" is
/// ContainerNetwork as it is (rtnetlink and nfnetlink in-process); "before" replays, process for process, the `ip`,
/// `nsenter` and `nft` commands the module ran until it spoke netlink (10 process starts per container). The two are
/// interleaved so that load on the shared machine hits both alike. The netlink side calls connect's parts one by
/// one (bridge check, NAT check, IPAM, veth) to time each; they add up to `connect`.
/// Usage: `ckit-bench network [iterations] [fast]` (root); `fast` tears down namespace-first.
enum NetworkBenchmark {
  static func run(_ args: [String]) async throws {
    let iterations = args.first.flatMap(Int.init) ?? 30
    fastTeardown = args.dropFirst().first == "fast"
    let tag = String(getpid(), radix: 16)
    let bridge = try Bridge(name: "ckbench\(tag)", subnet: try IPv4Subnet("10.199.\(getpid() % 256).0/24"))
    let state = FileManager.default.temporaryDirectory.appendingPathComponent("ckit-bench-net-\(tag)").path
    let net = BridgeNetwork(bridge: bridge, stateDirectory: state, enableForwarding: false)
    try await bridge.ensure()
    try await NATRules.install(bridge: bridge)
    defer { try? FileManager.default.removeItem(atPath: state) }

    var before = [Double]()
    var after = [Double]()
    let clock = ContinuousClock()
    do {
      for i in 0..<iterations {
        let t0 = clock.now
        try await netlinkEndpoint(net, id: String(format: "a%07x%08x", getpid(), i), netns: "ckbn-\(tag)-\(i)")
        after.append(milliseconds(clock.now - t0))
        let t1 = clock.now
        try await commandEndpoint(net, id: String(format: "b%07x%08x", getpid(), i), netns: "ckbc-\(tag)-\(i)")
        before.append(milliseconds(clock.now - t1))
      }
    } catch {
      try? await net.teardown()
      throw error
    }
    try await net.teardown()

    let (b, a) = (median(before), median(after))
    print(
      "network endpoint setup+teardown\(fastTeardown ? " (namespace-first teardown)" : ""), \(iterations) iterations,"
        + " median / p90 in ms:")
    print("  before (ip/nsenter/nft)  \(format(b)) / \(format(p90(before)))")
    print("  after (netlink)          \(format(a)) / \(format(p90(after)))")
    print("  after/before             \(String(format: "%.3f", a / b))x")
    print("netlink path by step, median ms (2-5 are what connect does):")
    for (name, xs) in steps.sorted(by: { $0.key < $1.key }) { print("  \(name)  \(format(median(xs)))") }
  }

  /// Per step, summed over the iterations (ms): where the netlink path spends its time.
  nonisolated(unsafe) static var steps = [String: [Double]]()
  /// `fast` as second argument: tear down with `disconnect(containerID:namespace:)`, the namespace first.
  nonisolated(unsafe) static var fastTeardown = false

  static func netlinkEndpoint(_ net: BridgeNetwork, id: String, netns: String) async throws {
    let clock = ContinuousClock()
    var t = clock.now
    func lap(_ name: String) {
      steps[name, default: []].append(milliseconds(clock.now - t))
      t = clock.now
    }
    let ns = try NetworkNamespace(name: netns)
    try await ns.create()
    lap("1 netns create")
    try await net.bridge.ensure()
    lap("2 bridge ensure")
    _ = try NATRules.isInstalled(bridge: net.bridge)
    lap("3 nat check")
    let address = try await net.ipam.allocate(owner: id)
    lap("4 ipam allocate")
    let ep = try await VethPair.attach(containerID: id, netnsPath: ns.path, bridge: net.bridge, address: address)
    lap("5 veth attach")
    if fastTeardown {
      try await net.disconnect(containerID: id, namespace: ns)
      lap("6 disconnect(namespace:)")
    } else {
      try await net.disconnect(containerID: id, hostInterface: ep.hostInterface)
      lap("6 disconnect")
      try await ns.remove()
      lap("7 netns remove")
    }
  }

  /// The previous implementation's commands, in its order (NetworkNamespace.create, Bridge.ensure on an existing
  /// bridge, NATRules.isInstalled, VethPair.attach, then VethPair.detach and NetworkNamespace.remove).
  static func commandEndpoint(_ net: BridgeNetwork, id: String, netns: String) async throws {
    let bridge = net.bridge
    let path = "/run/netns/\(netns)"
    try command(["ip", "netns", "add", netns])
    try command(["ip", "-n", netns, "link", "set", "lo", "up"])
    let addrs = try command(["ip", "-o", "-4", "addr", "show", "dev", bridge.name])
    if !addrs.contains(" \(bridge.subnet.gateway)/") { throw BenchmarkFailure.unexpected(addrs) }
    try command(["ip", "link", "set", bridge.name, "up"])
    try command(["nft", "list", "tables", "ip"])
    let address = try await net.ipam.allocate(owner: id)
    let host = VethPair.hostInterfaceName(containerID: id)
    let peer = "vp" + String(host.dropFirst(4))
    try command(["ip", "link", "add", host, "type", "veth", "peer", "name", peer])
    try command(
      ["ip", "-batch", "-"],
      stdin: "link set \(host) master \(bridge.name)\nlink set \(host) up\nlink set \(peer) netns \(path)\n")
    try command(
      ["nsenter", "--net=\(path)", "ip", "-batch", "-"],
      stdin: """
        link set lo up
        link set \(peer) name eth0
        link set eth0 address \(VethPair.macAddress(for: address))
        addr add \(address)/\(bridge.subnet.prefixLength) dev eth0
        link set eth0 up
        route add default via \(bridge.subnet.gateway)

        """)
    try command(["ip", "link", "del", host])
    try await net.ipam.release(owner: id)
    try command(["ip", "netns", "del", netns])
  }

  enum BenchmarkFailure: Error {
    case unexpected(String)
    case failed([String], Int32)
  }

  @discardableResult
  static func command(_ argv: [String], stdin: String? = nil) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = argv
    let out = Pipe()
    p.standardOutput = out
    let input = Pipe()
    p.standardInput = stdin == nil ? FileHandle.nullDevice : input
    try p.run()
    if let stdin {
      input.fileHandleForWriting.write(Data(stdin.utf8))
      try? input.fileHandleForWriting.close()
    }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else { throw BenchmarkFailure.failed(argv, p.terminationStatus) }
    return String(decoding: data, as: UTF8.self)
  }

  static func milliseconds(_ d: Duration) -> Double {
    Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
  }

  static func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
  static func p90(_ xs: [Double]) -> Double { xs.sorted()[xs.count * 9 / 10] }
  static func format(_ x: Double) -> String { String(format: "%.2f", x) }
}
