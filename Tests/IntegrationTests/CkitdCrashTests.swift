import Foundation
import ImageStore
import TestSupport
import Testing

/// `kill -9` of ckitd in the middle of a pull and of a commit (a build: `CkitdClientTests`): started again on the
/// same root, the image store's check finds nothing wrong and nothing abandoned (no half-written blob, manifest or
/// name, no temporary file left), and the same operation, retried, succeeds. Each is caught mid-way by what the
/// store or the registry shows (a registry proxy that stalls in the middle of the layer, a commit's layer being
/// written), never by a sleep.
@Suite(.serialized, .enabled(if: getuid() == 0, "requires root"))
struct CkitdCrashTests {
  @Test func pullKilledThenRetried() async throws {
    try await CkitdDaemon.with { env, d in
      // An image whose layer the store has never seen (busybox's blobs are there already), behind a proxy that
      // stops sending 64 KiB into it.
      try Self.pushRandomImage(env, repoTag: "fresh/big:1", megabytes: 2)
      let proxy = try RegistryProxy(upstreamPort: env.registry.port, mode: .stallDuringBlob(afterBytes: 64 << 10))
      defer { proxy.stop() }
      let reference = "\(proxy.host)/fresh/big:1"
      let first = try d.dockerInBackground(["pull", reference])
      #expect(try await eventually { proxy.stalled }, "the pull never reached the layer: \(first.text)")
      d.stop(signal: SIGKILL)
      _ = first.stop()

      try await d.start()
      try await Self.expectStoreClean(env, d, resumable: true)
      #expect(try d.docker(["image", "inspect", reference]).status == 1, "a half-pulled image has a name")
      let again = try d.docker(["pull", reference])
      #expect(again.status == 0, "\(again.stderr)")
      #expect(again.stdout.contains("Downloaded newer image for \(reference)"), "\(again.stdout)")
      let inspect = try d.docker(["image", "inspect", "--format", "{{len .RootFS.Layers}}", reference])
      #expect(inspect.stdout == "1\n", "\(inspect.stderr)")
      try await Self.expectStoreClean(env, d)
    }
  }

  @Test func commitKilledThenRetried() async throws {
    try await CkitdDaemon.with { env, d in
      // Enough incompressible data that its layer takes a while to write.
      let run = try d.docker([
        "run", "--name", "filled", env.image, "dd", "if=/dev/urandom", "of=/filled", "bs=1M", "count=48",
      ])
      #expect(run.status == 0, "\(run.stderr)")
      try await Self.killMidCommit(env, d, container: "filled", file: "filled", reference: "filled:1")

      try await d.start()
      try await Self.expectStoreClean(env, d)
      #expect(try d.docker(["image", "inspect", "filled:1"]).status == 1, "a half-committed image has a name")
      let again = try d.docker(["commit", "filled", "filled:1"])
      #expect(again.status == 0, "\(again.stderr)")
      #expect(again.stdout.hasPrefix("sha256:"))
      let size = try d.docker(["run", "--rm", "filled:1", "wc", "-c", "/filled"])
      #expect(size.stdout.hasPrefix("50331648 "), "\(size.stdout)\(size.stderr)")
      #expect(try d.docker(["rm", "filled"]).status == 0)
      try await Self.expectStoreClean(env, d)
    }
  }

  /// `kill -9` of ckitd while it commits a running container: the commit froze it, and nothing thawed it. Started
  /// again, ckitd thaws it (the commit's mark says whose freeze it was, and that process is gone): it is not
  /// paused, it still runs and serves an exec; a container paused by `docker pause` stays paused.
  @Test func commitOfARunningContainerKilledThenThawed() async throws {
    try await CkitdDaemon.with { env, d in
      let run = try d.docker([
        "run", "-d", "--name", "busy", env.image, "sh", "-c",
        "dd if=/dev/urandom of=/filled bs=1M count=48 && touch /done && exec sleep 3600",
      ])
      #expect(run.status == 0, "\(run.stderr)")
      #expect(try d.docker(["run", "-d", "--name", "held", env.image, "sleep", "3600"]).status == 0)
      #expect(try d.docker(["pause", "held"]).status == 0)
      let written = try await eventuallyValue { () -> Bool? in
        try d.docker(["exec", "busy", "test", "-f", "/done"]).status == 0 ? true : nil
      }
      try #require(written == true, "the container's file was not written")
      let id = try d.docker(["inspect", "--format", "{{.Id}}", "busy"]).stdout.trimmingCharacters(
        in: .whitespacesAndNewlines)
      try await Self.killMidCommit(env, d, container: "busy", file: "filled", reference: "busy:1")
      // Killed while the container was frozen for the commit: its mark is there.
      let mark = env.scratch.path.appendingPathComponent("containers/\(id)/commit-pause").path
      #expect(FileManager.default.fileExists(atPath: mark))

      try await d.start()
      func state(_ name: String, _ field: String) throws -> String {
        try d.docker(["inspect", "--format", "{{.State.\(field)}}", name]).stdout
      }
      #expect(try state("busy", "Paused") == "false\n")
      #expect(try state("busy", "Running") == "true\n")
      let exec = try Command.run(
        ["timeout", "30", "docker", "exec", "busy", "echo", "alive"], check: false,
        environment: d.dockerEnvironment)
      #expect(exec.stdout == "alive\n", "\(exec.status) \(exec.stderr)")
      #expect(!FileManager.default.fileExists(atPath: mark))
      #expect(try state("held", "Paused") == "true\n", "a container the user paused was thawed")
      #expect(try d.docker(["unpause", "held"]).status == 0)
      #expect(try d.docker(["rm", "-f", "busy", "held"]).status == 0)
      try await Self.expectStoreClean(env, d)
    }
  }

  /// Commits `container` as `reference` and SIGKILLs ckitd while the commit's open of `file` (a file of more than
  /// 40 MiB in the container's writable layer, which the commit reads to write the layer) waits for a fanotify
  /// permission answer: mid-commit (the layer's temporary blob begun, nothing named), whatever the machine's load.
  /// Returns with ckitd and the client gone.
  static func killMidCommit(
    _ env: CkitSeedTests.Env, _ d: CkitdDaemon, container: String, file: String, reference: String
  ) async throws {
    let daemon = try #require(d.pid, "ckitd's pid")
    let found = try Command.run([
      "find", env.scratch.path.path, "-path", "*upper*", "-name", file, "-size", "+40M",
    ])
    let path = try #require(found.stdout.split(separator: "\n").first.map(String.init), "no upper file: \(found)")
    let guardian = try BackgroundCommand(["python3", "-c", Self.killAtOpen, path, String(daemon)])
    #expect(try await guardian.waitForOutput { $0.contains("ready") }, "fanotify: \(guardian.text)")
    let first = try d.dockerInBackground(["commit", container, reference])
    #expect(try await guardian.waitForOutput { $0.contains("killed") }, "\(guardian.text)\(first.text)")
    _ = d.stop(signal: SIGKILL)
    _ = first.stop()
    _ = guardian.stop()
  }

  /// A fanotify permission watch on the file `argv[1]`: the first open of it by the process `argv[2]` is held
  /// (FAN_OPEN_PERM) while that process is sent SIGKILL; prints `ready` once the watch is set, `killed` after.
  static let killAtOpen = """
    import ctypes, os, struct, sys, signal
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.fanotify_init(0x4 | 0x1, os.O_RDONLY)  # FAN_CLASS_CONTENT | FAN_CLOEXEC
    if fd < 0 or libc.fanotify_mark(fd, 0x1, ctypes.c_uint64(0x10000), -100, sys.argv[1].encode()) < 0:
        sys.exit("fanotify: errno %d" % ctypes.get_errno())  # FAN_MARK_ADD, FAN_OPEN_PERM, AT_FDCWD
    print("ready", flush=True)
    while True:
        buf = os.read(fd, 4096)
        _, _, _, _, _, efd, pid = struct.unpack_from("=IBBHQii", buf, 0)
        if pid == int(sys.argv[2]):
            os.kill(pid, signal.SIGKILL)
            print("killed", flush=True)
        os.write(fd, struct.pack("=iI", efd, 1))  # FAN_ALLOW (the killed process never sees it)
        os.close(efd)
        if pid == int(sys.argv[2]):
            break
    """

  /// What ckitd's store holds once ckitd opened it (a request that lists the images): no problem for the store's
  /// own check (no half-written blob, dangling name, orphan layer or snapshot) and no temporary file. A pull's
  /// ingest of a known digest is kept when `resumable` (the next pull resumes it), nothing else.
  static func expectStoreClean(_ env: CkitSeedTests.Env, _ d: CkitdDaemon, resumable: Bool = false) async throws {
    #expect(try d.docker(["images", "-q"]).status == 0)
    let root = env.scratch.path.appendingPathComponent("images")
    let ingest = (try? FileManager.default.contentsOfDirectory(atPath: root.path + "/ingest")) ?? []
    let left = resumable ? ingest.filter { !$0.hasSuffix(".data") && !$0.hasSuffix(".lock") } : ingest
    #expect(left.isEmpty, "left in ingest/: \(ingest)")
    let report = try await ImageStore(root: root).fsck()
    #expect(report.isClean, "\(report.problems)")
    if !resumable { #expect(report.abandonedIngests == 0) }
  }

  /// Pushes to the test's registry an image of one layer holding `megabytes` of random bytes (an OCI layout made
  /// here, pushed with skopeo): content no store has.
  static func pushRandomImage(_ env: CkitSeedTests.Env, repoTag: String, megabytes: Int) throws {
    let dir = try env.scratch.directory("random-image")
    let layout = dir.appendingPathComponent("layout")
    let blobs = layout.appendingPathComponent("blobs/sha256")
    try FileManager.default.createDirectory(at: blobs, withIntermediateDirectories: true)
    let files = dir.appendingPathComponent("files")
    try FileManager.default.createDirectory(at: files, withIntermediateDirectories: true)
    try Command.run([
      "sh", "-c",
      "head -c $1 /dev/urandom > \"$2/random.bin\" && tar -C \"$2\" -cf \"$3/layer.tar\" random.bin"
        + " && gzip -1 -n -k \"$3/layer.tar\"",
      "sh", "\(megabytes << 20)", files.path, dir.path,
    ])
    func digest(_ path: String) throws -> String {
      String(try Command.run(["sha256sum", path]).stdout.prefix(64))
    }
    func size(_ path: String) throws -> Int {
      try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
    }
    func store(_ path: String) throws -> (String, Int) {
      let (hex, bytes) = (try digest(path), try size(path))
      try? FileManager.default.removeItem(at: blobs.appendingPathComponent(hex))
      try FileManager.default.copyItem(atPath: path, toPath: blobs.appendingPathComponent(hex).path)
      return (hex, bytes)
    }
    func write(_ text: String, _ name: String) throws -> String {
      let path = dir.appendingPathComponent(name).path
      try text.write(toFile: path, atomically: true, encoding: .utf8)
      return path
    }
    let diffID = try digest(dir.appendingPathComponent("layer.tar").path)
    let layer = try store(dir.appendingPathComponent("layer.tar.gz").path)
    let config = try store(
      write(
        #"{"architecture":"amd64","os":"linux","config":{"Cmd":["/random.bin"]},"#
          + #""rootfs":{"type":"layers","diff_ids":["sha256:\#(diffID)"]}}"#, "config.json"))
    let manifest = try store(
      write(
        #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","#
          + #""config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:\#(config.0)","#
          + #""size":\#(config.1)},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","#
          + #""digest":"sha256:\#(layer.0)","size":\#(layer.1)}]}"#, "manifest.json"))
    try #"{"imageLayoutVersion":"1.0.0"}"#.write(
      to: layout.appendingPathComponent("oci-layout"), atomically: true, encoding: .utf8)
    let index =
      #"{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","#
      + #""digest":"sha256:\#(manifest.0)","size":\#(manifest.1),"#
      + #""annotations":{"org.opencontainers.image.ref.name":"1"}}]}"#
    try index.write(to: layout.appendingPathComponent("index.json"), atomically: true, encoding: .utf8)
    try env.registry.push(layout: layout, tag: "1", to: repoTag)
  }
}
