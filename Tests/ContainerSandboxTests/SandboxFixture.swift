import ContainerSandbox
import Foundation
import TestSupport
import Testing

/// The local registry with busybox, started once per test process, and a state root of this process's own
/// (`/tmp/ckit-sandbox-tests/PID`): the image is pulled once and every test's sandboxes share it. Roots that dead
/// test processes left are swept and removed by the first test that asks.
enum SandboxFixture {
  static let registry: Result<LocalRegistry, any Error> = Result {
    let registry = try LocalRegistry.start()
    // Shared by the suites, so never released: stopped (by its pid) when the test process exits.
    atexit { if case .success(let r) = SandboxFixture.registry { r.stop() } }
    return registry
  }

  static var image: String {
    get throws { "\(try registry.get().host)/library/busybox:latest" }
  }

  /// For a trait argument, which cannot throw: "" when the registry did not start (the test then fails on it).
  static var imageOrEmpty: String { (try? image) ?? "" }

  static let parent = "/tmp/ckit-sandbox-tests"

  static let root: String = {
    try? FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
    removeDeadRoots()
    // The root's tmpfs for snapshots and the image store go with the test process (sandboxes are closed by then).
    atexit { SandboxFixture.removeRoot(SandboxFixture.parent + "/\(getpid())") }
    return "\(parent)/\(getpid())"
  }()

  static func removeRoot(_ dir: String) {
    for m in mounts(below: dir).sorted(by: { $0.count > $1.count }) { umount2(m, Int32(MNT_DETACH)) }
    try? FileManager.default.removeItem(atPath: dir)
  }

  /// Roots of test processes that are gone (killed mid-test, a sandbox open): each is swept first (what its
  /// sandboxes left: mounts, cgroups, records; their processes ended with their owner), then removed. On the side,
  /// since a static initializer cannot wait for it; a root it has not reached yet is for the next test process.
  static func removeDeadRoots() {
    let dead = ((try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []).filter { name in
      guard let pid = Int32(name), pid != getpid() else { return false }
      return kill(pid, 0) != 0 && errno == ESRCH
    }
    guard !dead.isEmpty else { return }
    Task.detached {
      for name in dead {
        let dir = parent + "/" + name
        _ = try? await Sandbox.sweep(root: dir)
        removeRoot(dir)
      }
    }
  }

  static func configuration(_ change: (inout SandboxConfiguration) -> Void = { _ in }) -> SandboxConfiguration {
    var c = SandboxConfiguration(root: root)
    change(&c)
    return c
  }

  /// Mount points at or below `path`.
  static func mounts(below path: String) -> [String] {
    MountTable.mountPoints().filter { $0.hasPrefix(path + "/") }
  }

  /// The sandboxes' overlay mount points below `path` (not the root's own tmpfs for them).
  static func overlays(below path: String) -> [String] {
    mounts(below: path).filter { $0.hasSuffix("/merged") }
  }

  /// The owner records left under the root: one per sandbox or template alive.
  static func records(in root: String = root) -> [String] {
    (try? FileManager.default.contentsOfDirectory(atPath: root + "/images/snapshots/.owners")) ?? []
  }

  /// Cgroup directories of sandboxes in every hierarchy (the runtime's parent is shared by all roots; a sandbox's
  /// cgroup is in `devices` and in those of its limits), kept across its resets.
  static func cgroups(named ids: [String]) -> [String] {
    let hierarchies = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? []
    return hierarchies.sorted().flatMap { h in
      let parent = "/sys/fs/cgroup/\(h)/container-sandbox"
      let names = (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []
      return names.filter { ids.contains($0) }.map { parent + "/" + $0 }
    }
  }
}
