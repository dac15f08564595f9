import Foundation

/// A named, persistent network namespace (`/run/netns/NAME`, as `ip netns` makes it). Containers on the bridge get
/// one before their runtime starts, so veth, addresses and routes are in place when the process begins, and the
/// OCI config simply joins it by path, the way CNI-based tools do.
public struct NetworkNamespace: Sendable, Hashable {
  public let name: String

  public init(name: String) throws {
    guard Bridge.isValidInterfaceName(name) || (name.count <= 64 && !name.contains("/") && !name.isEmpty) else {
      throw NetworkError.invalidNetworkMode(name)
    }
    self.name = name
  }

  public var path: String { "/run/netns/\(name)" }
  public var exists: Bool { FileManager.default.fileExists(atPath: path) }

  /// Creates the namespace (with loopback up); an existing one left by a container killed unseen is reused.
  public func create() async throws {
    if !exists { try NetCommand.run(["ip", "netns", "add", name]) }
    try NetCommand.run(["ip", "-n", name, "link", "set", "lo", "up"])
  }

  /// Deletes it; the kernel drops the veth ends inside. Absent is fine.
  public func remove() async throws {
    guard exists else { return }
    try NetCommand.run(["ip", "netns", "del", name])
  }
}
