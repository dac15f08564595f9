import Cgroups
import ContainerKit
import Foundation
import OCI
import TestSupport

/// One test's runtime: a state root and a busybox rootfs in a scratch directory, and a cgroup parent of its own,
/// all removed afterwards. `finish()` also checks that nothing was left behind by the runtime itself.
struct RuntimeFixture {
  let scratch: ScratchRoot
  let runtime: ContainerRuntime
  let rootfs: URL
  let cgroupParent: String

  init(_ scratch: ScratchRoot, cgroups: Bool = true) throws {
    self.scratch = scratch
    rootfs = scratch.path.appendingPathComponent("bundle/rootfs")
    try FileManager.default.createDirectory(at: rootfs.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Command.run(["cp", "-a", try BusyboxImage.rootfsTemplate().path, rootfs.path])
    cgroupParent = "ckit-test-\(UUID().uuidString.prefix(8))"
    let driver: (any CgroupDriver)? = cgroups ? try Cgroups.detect() : nil
    runtime = ContainerRuntime(
      root: scratch.path.appendingPathComponent("state").path, cgroupParent: cgroupParent, cgroups: driver)
    for dir in Self.cgroupDirectories(cgroupParent) { scratch.register(cgroup: dir) }
  }

  var bundle: String { rootfs.deletingLastPathComponent().path }

  func spec(_ args: [String], hostname: String? = nil) -> Spec {
    Spec.container(rootfs: rootfs.path, args: args, hostname: hostname)
  }

  /// Every directory this parent could have, in each v1 controller and the unified tree.
  static func cgroupDirectories(_ parent: String) -> [String] {
    let base = "/sys/fs/cgroup"
    let controllers = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
    return controllers.map { "\(base)/\($0)/\(parent)" } + ["\(base)/\(parent)"]
  }

  /// Runs `args` to completion with pipes; returns stdout, stderr and the exit status.
  func run(_ spec: Spec, id: String = "c-\(UUID().uuidString.prefix(8))", useInit: Bool = false) async throws -> (
    out: String, err: String, status: ExitStatus
  ) {
    let c = try await runtime.create(id: id, spec: spec, io: .pipes, useInit: useInit)
    scratch.register(pid: c.pid)
    var streams = c.streams
    streams.closeStdin()
    try await c.start()
    async let out = Self.drain(streams.stdout)
    async let err = Self.drain(streams.stderr)
    let (o, e) = await (out, err)
    let status = await c.wait()
    try await c.delete(force: true)
    return (o, e, status)
  }

  /// Reads a pty's master until the slave side is gone (EIO). Blocks: call once the program was started.
  static func readTerminal(_ master: Int32) -> String {
    var out = [UInt8]()
    var buf = [UInt8](repeating: 0, count: 256)
    while true {
      let n = read(master, &buf, 256)
      if n <= 0 { break }
      out += buf[0..<n]
    }
    return String(decoding: out, as: UTF8.self)
  }

  static func drain(_ fd: Int32?) async -> String {
    guard let fd else { return "" }
    return await withCheckedContinuation { cont in
      DispatchQueue.global().async {
        let s = ProcessStreams.readAll(fd)
        close(fd)
        cont.resume(returning: s)
      }
    }
  }

  /// Nothing of the runtime's is left: no mount below the scratch dir but the test's own, no state, no cgroup
  /// directory of the container (the parent may remain; the scratch root removes it).
  func leftovers(id: String) -> [String] {
    var left: [String] = []
    let state = runtime.root.appendingPathComponent(id).path
    if FileManager.default.fileExists(atPath: state) { left.append(state) }
    for dir in Self.cgroupDirectories(cgroupParent) {
      let child = dir + "/" + id
      if FileManager.default.fileExists(atPath: child) { left.append(child) }
    }
    left += scratch.mounts()
    return left
  }
}
