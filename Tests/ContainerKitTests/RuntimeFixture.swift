import Cgroups
import ContainerKit
import Foundation
import LinuxSystem
import OCI
import TestSupport
import Testing

/// One test's runtime: a state root and a busybox rootfs in a scratch directory, and a cgroup parent of its own,
/// all removed afterwards. Its helpers do the setup every runtime test repeats (create and register the pid, start,
/// collect the output, poll for an effect), so that a test states only what it checks.
struct RuntimeFixture {
  let scratch: ScratchRoot
  let runtime: ContainerRuntime
  let rootfs: URL
  let cgroupParent: String

  /// What a program printed and how it ended.
  struct Output {
    var out: String
    var err: String
    var status: ContainerKit.ExitStatus
  }

  init(_ scratch: ScratchRoot, cgroups: Bool = true) throws {
    self.scratch = scratch
    rootfs = scratch.path.appendingPathComponent("bundle/rootfs")
    try FileManager.default.createDirectory(at: rootfs.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Command.run(["cp", "-a", try BusyboxImage.rootfsTemplate().path, rootfs.path])
    cgroupParent = scratch.cgroupParent()
    let driver: (any CgroupDriver)? = cgroups ? try Cgroups.detect() : nil
    runtime = ContainerRuntime(
      root: scratch.path.appendingPathComponent("state").path, cgroupParent: cgroupParent, cgroups: driver)
  }

  var bundle: String { rootfs.deletingLastPathComponent().path }

  func spec(_ args: [String], hostname: String? = nil) -> Spec {
    Spec.container(rootfs: rootfs.path, args: args, hostname: hostname)
  }

  /// A spec whose `linux.resources` are set by `limits`.
  func spec(_ args: [String], limits: (inout LinuxResources) -> Void) -> Spec {
    var spec = spec(args)
    var resources = LinuxResources()
    limits(&resources)
    spec.linux?.resources = resources
    return spec
  }

  /// A spec whose hooks are set by `hooks`.
  func spec(_ args: [String], hooks set: (inout Spec.Hooks) -> Void) -> Spec {
    var spec = spec(args)
    var hooks = Spec.Hooks()
    set(&hooks)
    spec.hooks = hooks
    return spec
  }

  /// Puts `spec` in a user namespace mapping container ids 0-65535 to `hostID`..., and hands the rootfs to them.
  func inUserNamespace(_ spec: inout Spec, hostID: UInt32) throws {
    try Command.run(["chown", "-R", "\(hostID):\(hostID)", rootfs.path])
    spec.linux?.namespaces?.append(Spec.Namespace(.user))
    spec.linux?.uidMappings = [Spec.IDMapping(containerID: 0, hostID: hostID, size: 65536)]
    spec.linux?.gidMappings = [Spec.IDMapping(containerID: 0, hostID: hostID, size: 65536)]
  }

  /// Every directory this parent could have, in each v1 controller and the unified tree.
  static func cgroupDirectories(_ parent: String) -> [String] {
    let base = "/sys/fs/cgroup"
    let controllers = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
    return controllers.map { "\(base)/\($0)/\(parent)" } + ["\(base)/\(parent)"]
  }

  /// Creates the container, its pid registered so the scratch root kills it whatever the test does.
  func create(
    _ spec: Spec, id: String = "c-\(UUID().uuidString.prefix(8))", io: ProcessIO = .null,
    inProcessStart: Bool = false
  ) async throws -> Container {
    let c = try await runtime.create(id: id, spec: spec, io: io, inProcessStart: inProcessStart)
    scratch.register(pid: c.pid)
    return c
  }

  /// Creates and starts the container: a program that runs while the test looks at it.
  func start(_ spec: Spec, id: String, io: ProcessIO = .null) async throws -> Container {
    let c = try await create(spec, id: id, io: io)
    try await c.start()
    return c
  }

  /// Runs `spec` to completion with pipes, deletes the container and expects nothing of it left behind.
  func run(
    _ spec: Spec, id: String = "c-\(UUID().uuidString.prefix(8))",
    sourceLocation: SourceLocation = #_sourceLocation
  ) async throws -> Output {
    let c = try await create(spec, id: id, io: .pipes)
    let output = try await Self.output(starting: c)
    try await remove(c, force: true, sourceLocation: sourceLocation)
    return output
  }

  /// Starts a container created with `.pipes` and collects its output: stdin closed, both pipes read to EOF.
  static func output(starting c: Container) async throws -> Output {
    var streams = c.streams
    streams.closeStdin()
    try await c.start()
    async let out = drain(streams.stdout)
    async let err = drain(streams.stderr)
    let (o, e) = await (out, err)
    return Output(out: o, err: e, status: await c.wait())
  }

  /// The output of an exec'd process started with `.pipes`.
  static func output(of p: ContainerProcess) async -> Output {
    var streams = p.streams
    streams.closeStdin()
    async let out = drain(streams.stdout)
    async let err = drain(streams.stderr)
    let (o, e) = await (out, err)
    return Output(out: o, err: e, status: await p.wait())
  }

  /// Runs `spec` to completion on a terminal of its own (`io`, a `.terminal`): what the terminal showed and how
  /// the program ended; the container is then removed, expecting nothing left. `beforeStart` gets the created
  /// container (to resize its terminal).
  func runOnTerminal(
    _ spec: Spec, id: String, io: ProcessIO = .terminal(), beforeStart: (Container) throws -> Void = { _ in },
    sourceLocation: SourceLocation = #_sourceLocation
  ) async throws -> Output {
    let c = try await create(spec, id: id, io: io)
    defer { c.streams.close() }
    let master = try #require(c.streams.terminal, sourceLocation: sourceLocation)
    try beforeStart(c)
    try await c.start()
    let out = await Self.readTerminal(master)
    let status = await c.wait()
    try await remove(c, sourceLocation: sourceLocation)
    return Output(out: out, err: "", status: status)
  }

  /// Reads a pty's master until the slave side is gone (EIO), on a thread of its own.
  static func readTerminal(_ master: Int32) async -> String {
    await BlockingCall.run {
      var out = [UInt8]()
      var buf = [UInt8](repeating: 0, count: 256)
      while true {
        let n = read(master, &buf, 256)
        if n <= 0 { break }
        out += buf[0..<n]
      }
      return String(decoding: out, as: UTF8.self)
    }
  }

  static func drain(_ fd: Int32?) async -> String {
    guard let fd else { return "" }
    return await BlockingCall.run {
      let s = ProcessStreams.readAll(fd)
      close(fd)
      return s
    }
  }

  /// Polls `probe` every 5 ms until it returns a value; nil if it never does within TestSupport's deadline (a
  /// started program gets somewhere in milliseconds, but a loaded CI machine can hold it back for seconds).
  static func eventually<T>(_ probe: () throws -> T?) async throws -> T? {
    try await eventuallyValue(every: .milliseconds(5)) { try probe() }
  }

  /// Expects `create` to fail with exactly `message`, leaving nothing behind.
  func expectCreateFails(
    _ spec: Spec, id: String, _ message: String, sourceLocation: SourceLocation = #_sourceLocation
  ) async {
    await #expect(sourceLocation: sourceLocation) {
      _ = try await runtime.create(id: id, spec: spec, io: .null)
    } throws: {
      "\($0)" == message
    }
    #expect(leftovers(id: id).isEmpty, sourceLocation: sourceLocation)
  }

  /// `expectCreateFails` for a `true` container whose one hook, at `point`, is `hook`.
  func expectHookFails(
    _ point: WritableKeyPath<Spec.Hooks, [Spec.Hook]?>, _ hook: Spec.Hook, id: String, _ message: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) async {
    await expectCreateFails(
      spec(["true"], hooks: { $0[keyPath: point] = [hook] }), id: id, message, sourceLocation: sourceLocation)
  }

  /// Deletes the container (`force`: a running one too) and expects nothing of it left behind.
  func remove(_ c: Container, force: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    try await c.delete(force: force)
    #expect(leftovers(id: c.id).isEmpty, sourceLocation: sourceLocation)
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

/// Runs `body` with a fixture in a scratch root of its own (cleaned up however the body ends): the opening of every
/// runtime test.
func withRuntimeFixture<T>(cgroups: Bool = true, _ body: (RuntimeFixture) async throws -> T) async throws -> T {
  try await withScratchRoot { scratch in try await body(try RuntimeFixture(scratch, cgroups: cgroups)) }
}

extension Spec.Seccomp {
  /// A profile that allows every call but `names`, which fail with `errno`: how the tests take one call away.
  static func denying(_ names: [String], errno: Int32) -> Spec.Seccomp {
    Spec.Seccomp(
      defaultAction: "SCMP_ACT_ALLOW",
      syscalls: [.init(names: names, action: "SCMP_ACT_ERRNO", errnoRet: UInt32(errno))])
  }
}
