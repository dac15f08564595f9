import ContainerKit
import Foundation
import Namespaces
import OCI
import Synchronization
import TestSupport
import Testing

/// A hostile image's symlinks must never make the runtime write or mount on the host (issue 13, part 2): an image
/// whose `/dev`, `/proc`, `/sys`, a bind mount's or a tmpfs mount's destination is a symlink to a host directory
/// (absolute) or out of the rootfs (`../../..`). Every object the runtime creates in the rootfs is created below a
/// directory resolved inside the root, and every mount targets the descriptor that was resolved: the host directory
/// keeps exactly what it had, and the container either runs with the link followed inside its root or fails with
/// an error that names the mount.
@Suite("Rootfs symlinks", .enabled(if: isRoot, "requires root"))
struct RootfsSymlinkTests {
  /// Where an image's link points.
  enum Link: String, CaseIterable, Sendable {
    /// An absolute path: on the host, a directory the test made.
    case host
    /// Out of the rootfs: from `<scratch>/h/bundle/rootfs`, the host's `<scratch>/h`.
    case up
    /// Out of the rootfs and dangling: `../../../nowhere/deeper`, on the host `<scratch>/nowhere/deeper`, which
    /// must not come to exist (in the root it is `/nowhere/deeper`, made there).
    case dangling
  }

  /// The paths an image makes links of, and the mount each needs.
  enum Place: String, CaseIterable, Sendable {
    case dev = "/dev"
    case proc = "/proc"
    case sys = "/sys"
    case bind = "/bindmnt"
    case tmpfs = "/tmpmnt"
  }

  /// A host directory's entries (name, type and mode, inode) and its sentinel's content: what must not change.
  struct Snapshot: Equatable, CustomStringConvertible {
    var entries: [String: String]
    var sentinel: String?
    init(_ dir: String) {
      entries = [:]
      for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
        var st = stat()
        guard lstat(dir + "/" + name, &st) == 0 else { continue }
        entries[name] = String(st.st_mode, radix: 8) + " ino \(st.st_ino)"
      }
      var st = stat()
      if lstat(dir, &st) == 0 { entries["."] = String(st.st_mode, radix: 8) }
      sentinel = try? String(contentsOfFile: dir + "/sentinel", encoding: .utf8)
    }
    var description: String { "\(entries.sorted { $0.key < $1.key }) sentinel: \(sentinel ?? "missing")" }
  }

  /// A busybox rootfs at `<scratch>/h/bundle/rootfs` whose `place` is `link`, the host directory the link would
  /// reach, with a 0600 sentinel in it, and the bind source (`<scratch>/src`, holding `file`).
  struct Layout {
    let rootfs: String
    let host: String
    let source: String
  }

  static func layout(_ scratch: ScratchRoot, from rootfsTemplate: String, place: Place, link: Link) throws -> Layout {
    let bundle = try scratch.directory("h/bundle")
    let rootfs = bundle.appendingPathComponent("rootfs").path
    if rootfsTemplate != rootfs { try FileManager.default.moveItem(atPath: rootfsTemplate, toPath: rootfs) }
    let host = link == .host ? try scratch.directory("host").path : scratch.path.appendingPathComponent("h").path
    let sentinel = host + "/sentinel"
    try "sentinel".write(toFile: sentinel, atomically: false, encoding: .utf8)
    chmod(sentinel, 0o600)
    let source = try scratch.directory("src").path
    try "bound".write(toFile: source + "/file", atomically: false, encoding: .utf8)
    try Command.run(["rm", "-rf", rootfs + place.rawValue])
    let target = link == .host ? host : link == .up ? "../../.." : "../../../nowhere/deeper"
    try FileManager.default.createSymbolicLink(atPath: rootfs + place.rawValue, withDestinationPath: target)
    return Layout(rootfs: rootfs, host: host, source: source)
  }

  /// The program: checks what each place must give once the link is followed inside the root.
  static let program = [
    "sh", "-c",
    "test -c /dev/null && echo x >/dev/null && test -L /dev/fd && test -f /proc/self/status && test -d /sys/kernel"
      + " && cat /bindmnt/file && test -w /tmpmnt && echo ran",
  ]

  static func spec(_ layout: Layout) -> Spec {
    var spec = Spec.container(rootfs: layout.rootfs, args: program)
    spec.mounts =
      (spec.mounts ?? []) + [
        Spec.Mount(destination: "/bindmnt", type: "bind", source: layout.source, options: ["rbind", "ro"]),
        Spec.Mount(destination: "/tmpmnt", type: "tmpfs", source: "tmpfs", options: ["nosuid", "size=64k"]),
      ]
    return spec
  }

  /// A mount namespace template pinned in `scratch`, one for all of a test's cases.
  static func pinTemplate(_ scratch: ScratchRoot) throws -> MountNamespaceTemplate {
    try MountNamespaceTemplate.pinned(at: scratch.path.appendingPathComponent("mntns").path)
  }

  /// Runs the image in-process, classic or from `template`, and checks the host and the result.
  func check(place: Place, link: Link, template: MountNamespaceTemplate?) async throws {
    try await withRuntimeFixture { f in
      let layout = try Self.layout(f.scratch, from: f.rootfs.path, place: place, link: link)
      let before = Snapshot(layout.host)
      var runtime = f.runtime
      runtime.mountNamespaceTemplate = template
      let id = "sym-\(place.rawValue.dropFirst())-\(link.rawValue)-\(template != nil ? "tpl" : "classic")"
      let outcome: String
      do {
        let c = try await runtime.create(id: id, spec: Self.spec(layout), io: .pipes)
        f.scratch.register(pid: c.pid)
        if template != nil { #expect(try MountNamespaceTemplateTests.mountedOnTemplate(c.pid)) }
        let r = try await RuntimeFixture.output(starting: c)
        try await c.delete(force: true)
        outcome = "\(r.status): \(r.out)\(r.err)"
        // Followed inside the root, the link gives the container everything its mount promised.
        #expect(r.status.code == 0 && r.out == "boundran\n", "\(outcome)")
        #expect(link != .up, "a link to the container's root must not be mounted over: \(outcome)")
      } catch {
        outcome = "\(error)"
        // Only a link to the root itself may refuse the start, and the error says which mount.
        #expect(link == .up, "\(outcome)")
        #expect(outcome.contains(place.rawValue) && outcome.contains("root"), "\(outcome)")
      }
      #expect(Snapshot(layout.host) == before, "host directory changed: \(outcome)")
      #expect(!FileManager.default.fileExists(atPath: f.scratch.path.appendingPathComponent("nowhere").path))
      #expect(f.leftovers(id: id).isEmpty)
    }
  }

  @Test(
    "classic path: a symlinked /dev, /proc, /sys or mount destination stays inside the root",
    arguments: Place.allCases, Link.allCases)
  func classic(place: Place, link: Link) async throws {
    try await check(place: place, link: link, template: nil)
  }

  /// One pin for every case, the cases one after the other (see `pinTemplate`).
  @Test("template path: a symlinked /dev, /proc, /sys or mount destination stays inside the root")
  func template() async throws {
    try await withScratchRoot { scratch in
      let template = try Self.pinTemplate(scratch)
      for place in Place.allCases {
        for link in Link.allCases { try await check(place: place, link: link, template: template) }
      }
    }
  }

  /// renameat2(RENAME_EXCHANGE), which Glibc's Swift module does not export.
  static func exchange(_ a: String, _ b: String) -> Int32 {
    typealias Renameat2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
    let call = unsafeBitCast(renameat2Symbol, to: Renameat2.self)
    return call(AT_FDCWD, a, AT_FDCWD, b, 2)
  }
  nonisolated(unsafe) static let renameat2Symbol: UnsafeMutableRawPointer = dlsym(
    UnsafeMutableRawPointer(bitPattern: 0), "renameat2")!

  /// CVE-2021-30465: a process sharing a volume with the container being started swaps a mount's destination for
  /// a symlink to a host directory between the runtime's check and its mount (here a host thread exchanges `d`, a
  /// directory, and `x`, a link to the host directory, as fast as it can). Mounted onto the descriptor that was
  /// checked, the bind lands on the directory whatever its name by then, inside the root; mounted by a path looked
  /// up again, it lands now and then on the host directory, and the container does not see it at all.
  @Test("a mount destination swapped for a symlink while the container starts is mounted inside the root")
  func swappedDestination() async throws {
    try await withScratchRoot { scratch in
      let template = try Self.pinTemplate(scratch)
      let f = try RuntimeFixture(scratch)
      let host = try scratch.directory("host").path
      let source = try scratch.directory("src").path
      try "bound".write(toFile: source + "/file", atomically: false, encoding: .utf8)
      let volume = f.rootfs.path + "/vol"
      try FileManager.default.createDirectory(atPath: volume + "/d", withIntermediateDirectories: true)
      try FileManager.default.createSymbolicLink(atPath: volume + "/x", withDestinationPath: host)
      let before = Snapshot(host)
      var spec = f.spec([
        "sh", "-c", "for p in /vol/d /vol/x \(host); do cat $p/file 2>/dev/null && exit 0; done; exit 1",
      ])
      spec.mounts =
        (spec.mounts ?? []) + [Spec.Mount(destination: "/vol/d", type: "bind", source: source, options: ["bind"])]
      for attempt in 0..<128 {
        var runtime = f.runtime
        runtime.mountNamespaceTemplate = attempt % 2 == 0 ? nil : template
        let stop = Atomic<Bool>(false)
        let racer = Thread {
          while !stop.load(ordering: .relaxed) { _ = Self.exchange(volume + "/d", volume + "/x") }
        }
        racer.start()
        let created: Result<Container, any Error>
        do { created = .success(try await runtime.create(id: "race-\(attempt)", spec: spec, io: .pipes)) } catch {
          created = .failure(error)
        }
        stop.store(true, ordering: .relaxed)
        while !racer.isFinished { usleep(1_000) }
        if case .success(let c) = created {
          scratch.register(pid: c.pid)
          let r = try await RuntimeFixture.output(starting: c)
          try await c.delete(force: true)
          #expect(r.status.code == 0 && r.out == "bound", "attempt \(attempt): the bind landed outside the root")
        }
        #expect(Snapshot(host) == before, "attempt \(attempt)")
        #expect(f.leftovers(id: "race-\(attempt)") == [template.path])
      }
    }
  }

  /// `ckit-runtime run` on a `runc spec` bundle, with and without `CKIT_MNTNS_TEMPLATE`.
  @Test(
    "ckit-runtime run: an image whose /dev is a symlink leaves the host directory untouched", arguments: Link.allCases,
    [false, true])
  func runtimeCLI(link: Link, template: Bool) async throws {
    try await withScratchRoot { scratch in
      let made = try RuntimeCLITests.bundle(
        scratch, args: ["sh", "-c", "test -c /dev/null && test -L /dev/fd && echo ran"])
      try FileManager.default.createDirectory(
        at: scratch.path.appendingPathComponent("h"), withIntermediateDirectories: true)
      let bundle = scratch.path.appendingPathComponent("h/bundle")
      try FileManager.default.moveItem(at: made, to: bundle)
      let layout = try Self.layout(scratch, from: bundle.appendingPathComponent("rootfs").path, place: .dev, link: link)
      let before = Snapshot(layout.host)
      let parent = RuntimeCLITests.cgroupParent(scratch)
      for dir in RuntimeFixture.cgroupDirectories(parent) { scratch.register(cgroup: dir) }
      var env = ProcessInfo.processInfo.environment
      // Pinned here rather than by ckit-runtime, which falls back to the classic path when pinning fails.
      env["CKIT_MNTNS_TEMPLATE"] = template ? try Self.pinTemplate(scratch).path : nil
      let r = try Command.run(
        [
          RuntimeCLITests.binary, "--root", scratch.path.appendingPathComponent("state").path, "--cgroup-parent",
          parent, "run", "--bundle", bundle.path, "cli-sym",
        ], check: false, environment: env)
      if link == .up {
        #expect(r.status != 0 && r.stderr.contains("/dev") && r.stderr.contains("root"), "\(r.stdout)\(r.stderr)")
      } else {
        #expect(r.status == 0 && r.stdout == "ran\n", "\(r.stdout)\(r.stderr)")
      }
      #expect(Snapshot(layout.host) == before, "host directory changed: \(r.stdout)\(r.stderr)")
      #expect(!FileManager.default.fileExists(atPath: scratch.path.appendingPathComponent("nowhere").path))
    }
  }
}
