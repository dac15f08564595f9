import CLinuxSystem
import Foundation
import LinuxSystem
import Synchronization

/// A temp state directory for one test, and everything the test left behind in the kernel.
///
/// `withScratchRoot` cleans up whether the body returns or throws: it kills the processes registered here (only
/// those: tests end only what they started), unmounts every mount below the directory (deepest first), removes the
/// cgroup directories registered here and deletes the tree.
public final class ScratchRoot: Sendable {
  public let path: URL
  /// A pidfd for each registered process: pids are reused (pid_max is 32768 here, and the suite wraps it), so
  /// cleanup must not kill whatever process holds the number by then, such as another test's container. A pidfd
  /// names the process itself; a (pid, start time) pair does not, as two processes can start in one clock tick.
  private let pidfds = Mutex<[Int32]>([])
  private let cgroups = Mutex<[String]>([])

  init() throws {
    path = FileManager.default.temporaryDirectory.appendingPathComponent("ckit-test-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: path, withIntermediateDirectories: true)
  }

  /// A subdirectory, created.
  public func directory(_ name: String) throws -> URL {
    let url = path.appendingPathComponent(name)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// Ends `pid` with SIGKILL at cleanup if it is still there: the same process, not a later one given its number.
  public func register(pid: Int32) {
    let fd = cls_pidfd_open(pid)
    guard fd >= 0 else { return }  // already gone: nothing to end
    pidfds.withLock { $0.append(fd) }
  }

  /// Removes the cgroup directory `absolutePath` (and any children) at cleanup.
  public func register(cgroup absolutePath: String) { cgroups.withLock { $0.append(absolutePath) } }

  /// A cgroup parent name of this test's own (`ckit-test-XXXXXXXX`), removed from every hierarchy at cleanup.
  public func cgroupParent() -> String {
    let name = path.lastPathComponent
    let base = "/sys/fs/cgroup"
    let controllers = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
    for dir in controllers.map({ "\(base)/\($0)/\(name)" }) + ["\(base)/\(name)"] { register(cgroup: dir) }
    return name
  }

  /// Mount points at or below `path`, deepest first.
  public func mounts() -> [String] {
    MountTable.mountPoints().filter { $0 == path.path || $0.hasPrefix(path.path + "/") }
      .sorted { $0.count > $1.count }
  }

  func cleanup() {
    for fd in pidfds.withLock({ $0 }) {
      _ = cls_pidfd_send_signal(fd, SIGKILL)
      var info = siginfo_t()
      _ = waitid(P_PIDFD, id_t(fd), &info, WEXITED | WNOHANG)
      close(fd)
    }
    for _ in 0..<3 {
      let left = mounts()
      if left.isEmpty { break }
      for m in left { umount2(m, Int32(MNT_DETACH)) }
    }
    for cg in cgroups.withLock({ $0 }).sorted(by: { $0.count > $1.count }) {
      Self.removeCgroup(cg)
    }
    try? FileManager.default.removeItem(at: path)
  }

  /// cgroup directories can only be removed with rmdir, children first; one whose processes were just killed is
  /// busy until they have exited, which a loaded machine can take seconds to get to.
  static func removeCgroup(_ dir: String) {
    if let children = try? FileManager.default.contentsOfDirectory(atPath: dir) {
      for c in children {
        var isDir: ObjCBool = false
        let p = dir + "/" + c
        if FileManager.default.fileExists(atPath: p, isDirectory: &isDir), isDir.boolValue { removeCgroup(p) }
      }
    }
    // ENOTDIR: a path made by joining a parent to every entry of /sys/fs/cgroup, which on pure v2 are files.
    _ = eventuallyBlocking(timeout: .seconds(10)) { rmdir(dir) == 0 || errno == ENOENT || errno == ENOTDIR }
  }
}

/// Runs `body` with a fresh scratch root and cleans up after it, also when it throws.
public func withScratchRoot<T>(_ body: (ScratchRoot) async throws -> T) async throws -> T {
  let root = try ScratchRoot()
  defer { root.cleanup() }
  return try await body(root)
}

/// The current mount table, read from /proc/self/mountinfo.
public enum MountTable {
  /// Mount points, unescaped (mountinfo writes space, tab, newline and backslash as octal escapes).
  public static func mountPoints() -> [String] {
    MountInfo.read("/proc/thread-self/mountinfo").map(\.mountPoint)
  }
}
