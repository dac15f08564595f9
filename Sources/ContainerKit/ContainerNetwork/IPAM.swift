import Foundation
import LinuxSystem
import OCI

/// Address management for one bridge subnet, kept in a JSON file under the state root so that addresses survive
/// restarts of `ckit` and of the machine, and guarded by `flock` so that concurrent `ckit` processes never hand out
/// the same address.
///
/// An owner (a container ID) that asks again gets the address it already has, so a restarted container keeps its IP.
public struct IPAM: Sendable {
  public let subnet: IPv4Subnet
  public let statePath: String

  struct State: Codable {
    var subnet: IPv4Subnet
    var allocations: [String: IPv4Address]
  }

  public init(subnet: IPv4Subnet, stateDirectory: String) {
    self.subnet = subnet
    self.statePath = stateDirectory + "/ipam-\(subnet.network)-\(subnet.prefixLength).json"
  }

  /// The address of `owner`, allocating the lowest free one if it has none.
  public func allocate(owner: String) async throws -> IPv4Address {
    try withState { state in
      if let a = state.allocations[owner] { return a }
      let used = Set(state.allocations.values.map(\.value))
      for v in subnet.hostRange where !used.contains(v) {
        state.allocations[owner] = IPv4Address(v)
        return IPv4Address(v)
      }
      throw NetworkError.addressPoolExhausted(subnet: subnet.description)
    }
  }

  /// Frees `owner`'s address; freeing twice is not an error (stop after kill -9 may race a cleanup).
  public func release(owner: String) async throws {
    try withState { state in state.allocations[owner] = nil }
  }

  /// Frees the addresses of every owner for which `isLive` is false: the sweep after containers died unseen.
  @discardableResult
  public func reclaim(isLive: (String) -> Bool) async throws -> [String] {
    try withState { state in
      let dead = state.allocations.keys.filter { !isLive($0) }
      for d in dead { state.allocations[d] = nil }
      return dead.sorted()
    }
  }

  public func allocations() async throws -> [String: IPv4Address] {
    try withState { $0.allocations }
  }

  private func withState<T>(_ body: (inout State) throws -> T) throws -> T {
    let dir = (statePath as NSString).deletingLastPathComponent
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let fd = open(statePath + ".lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw NetworkError.stateFile(path: statePath, reason: String(cString: strerror(errno))) }
    defer { close(fd) }
    if Syscall.retrying({ flock(fd, LOCK_EX) }) != 0 {
      throw NetworkError.stateFile(path: statePath, reason: String(cString: strerror(errno)))
    }
    var state = State(subnet: subnet, allocations: [:])
    if let data = FileManager.default.contents(atPath: statePath), !data.isEmpty {
      do { state = try JSONDecoder().decode(State.self, from: data) } catch {
        throw NetworkError.stateFile(path: statePath, reason: "corrupt: \(error)")
      }
    }
    let before = state.allocations
    let result = try body(&state)
    if state.allocations != before {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
      do {
        // Leases describe running containers, which a crash ends too: not flushed to disk.
        try StateFile.replace(statePath, with: try encoder.encode(state), durable: false)
      } catch {
        throw NetworkError.stateFile(path: statePath, reason: "\(error)")
      }
    }
    return result
  }
}
