import ContainerNetwork
import Foundation
import TestSupport

/// A named network namespace and a bridge with names and a subnet unique to one test, removed by `cleanup()`.
/// Only these are ever touched, so tests run in parallel with each other and with a real `ckit0`.
final class NetnsFixture: @unchecked Sendable {
  let netns: String
  let bridge: Bridge
  let stateDir: String

  init() throws {
    let tag = String(UInt32.random(in: 0..<UInt32.max), radix: 16)
    netns = "ckt-\(tag)"
    // A /24 of its own in 10.200-224.x.0: away from ckit0 and from the ckit end-to-end tests (10.225-250).
    let subnet = try IPv4Subnet(TestSubnet.next(secondOctet: 200...224))
    bridge = try Bridge(name: "ckb\(tag)", subnet: subnet)
    stateDir = FileManager.default.temporaryDirectory.appendingPathComponent("ckit-net-\(tag)").path
    try Command.run(["ip", "netns", "add", netns])
  }

  var netnsPath: String { "/run/netns/\(netns)" }

  /// A container ID of 16 random hex digits: the host veth is named after its first 11.
  static func containerID() -> String {
    let hex = String(UInt64.random(in: 0...UInt64.max), radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
  }

  func inNetns(_ argv: [String], check: Bool = true) throws -> CommandResult {
    try Command.run(["ip", "netns", "exec", netns] + argv, check: check)
  }

  func cleanup() async {
    try? await NATRules.remove(bridge: bridge)
    _ = try? Command.run(["ip", "netns", "del", netns], check: false)
    try? await bridge.remove()
    try? FileManager.default.removeItem(atPath: stateDir)
  }
}

/// Where `swift build` put the package's executables: next to the test bundle.
enum Products {
  static func path(_ name: String) -> String {
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    if dir.path.hasSuffix(".xctest/Contents/MacOS") { dir = dir.deletingLastPathComponent() }
    return dir.appendingPathComponent(name).path
  }
}

/// posix_spawn with chosen fds inherited at chosen numbers (Foundation's Process closes every other fd).
enum Spawn {
  static func run(_ argv: [String], fds: [(Int32, Int32)]) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    for (from, to) in fds { posix_spawn_file_actions_adddup2(&actions, from, to) }
    var cargs = argv.map { strdup($0) } + [nil]
    defer { for p in cargs { free(p) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, argv[0], &actions, nil, &cargs, environ)
    guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO) }
    return pid
  }
}
