import ContainerKit
import Foundation
import ImageStore
import OCI
import TestSupport
import Testing

@testable import Builder

/// Whole builds on the real store (overlay snapshots, commit) and the real runtime (RUN in containers), from the
/// busybox fixture image.
@Suite("Builds on the real store and runtime", .serialized)
struct BuildEndToEndTests {
  /// A store with busybox imported as `busybox:latest`, a runtime and a builder, all under the scratch root.
  struct Env {
    let store: ImageStore
    let runtime: ContainerRuntime
    let builder: ImageBuilder
    let root: URL
    let context: URL
  }

  /// `parent` in every mounted hierarchy (v1 controllers and the unified one).
  static func cgroupDirectories(_ parent: String) -> [String] {
    let roots = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? []
    return roots.map { "/sys/fs/cgroup/\($0)/\(parent)" } + ["/sys/fs/cgroup/\(parent)"]
  }

  /// Container cgroups left below the runtime's parent, in any hierarchy.
  static func leftoverCgroups(_ runtime: ContainerRuntime) -> [String] {
    cgroupDirectories(runtime.cgroupParent).flatMap { dir -> [String] in
      let children = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
      return children.filter { name in
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: dir + "/" + name, isDirectory: &isDir) && isDir.boolValue
      }.map { dir + "/" + $0 }
    }
  }

  /// The store under `scratch/name` (its step cache there too), its runtime under `name-run`; the context is
  /// `scratch/ctx` unless given.
  static func env(_ scratch: ScratchRoot, _ name: String = "store", context: URL? = nil) async throws -> Env {
    let root = try scratch.directory(name)
    let store = try await ImageStore(root: root)
    _ = try await store.importOCILayout(at: try BusyboxImage.layout(), tag: "busybox:latest")
    let parent = "ckit-build-test-\(UUID().uuidString.prefix(8))"
    let runtime = ContainerRuntime.detectingCgroups(
      root: try scratch.directory(name + "-run").path, cgroupParent: parent)
    for dir in Self.cgroupDirectories(parent) { scratch.register(cgroup: dir) }
    let builder = try ImageBuilder(
      storage: StoreBuildStorage(store: store), executor: RuntimeBuildExecutor(runtime: runtime), root: root)
    return Env(
      store: store, runtime: runtime, builder: builder, root: root,
      context: try context ?? scratch.directory("ctx"))
  }

  func env(_ scratch: ScratchRoot) async throws -> Env { try await Self.env(scratch) }

  /// Collects progress events.
  final class Log: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [ProgressEvent] = []
    func add(_ e: ProgressEvent) { lock.withLock { events.append(e) } }
    var all: [ProgressEvent] { lock.withLock { events } }
    var text: String { all.map(\.classicText).joined() }
  }

  static func build(_ e: Env, _ dockerfile: String, _ options: BuildOptions = BuildOptions()) async throws -> (
    BuildResult, Log
  ) {
    let log = Log()
    let r = try await e.builder.build(
      dockerfile: dockerfile, context: try BuildContext(directory: e.context), options: options
    ) { log.add($0) }
    return (r, log)
  }

  func build(_ e: Env, _ dockerfile: String, _ options: BuildOptions = BuildOptions()) async throws -> (
    BuildResult, Log
  ) { try await Self.build(e, dockerfile, options) }

  /// Runs `args` in a container of `image` and returns its output.
  func runImage(_ e: Env, _ image: String, _ args: [String]) async throws -> (Int32, String) {
    let img = try await e.store.image(named: image)
    let state = BuildState(config: img.config, layers: img.manifest.layers, cacheID: img.id)
    let storage = StoreBuildStorage(store: e.store)
    let m = try await storage.mount(state, id: "check-\(UUID().uuidString.prefix(8))")
    let out = OutputTail()
    do {
      let code = try await RuntimeBuildExecutor(runtime: e.runtime).run(
        RunRequest(
          id: m.id, rootfs: m.rootfs, args: args, env: img.config.config?.env ?? [],
          cwd: img.config.config?.workingDir ?? "/")
      ) { out.append($0) }
      await storage.release(m)
      return (code, out.text)
    } catch {
      await storage.release(m)
      throw error
    }
  }

  static let seed = """
    FROM busybox
    MAINTAINER ContainerKit Tests <ckit@example.com>
    ENV WEBROOT=/var/www/html
    RUN mkdir -p $WEBROOT && echo '<h1>it works</h1>' > $WEBROOT/index.html
    ADD vhost.conf /etc/httpd/conf.d/vhost.conf
    EXPOSE 80
    CMD ["httpd", "-f", "-p", "80", "-h", "/var/www/html"]
    """

  @Test(.enabled(if: isRoot, "requires root")) func seedBuildsRunsCachesAndRebuildsFromTheChangedStep() async throws {
    try await withScratchRoot { scratch in
      let e = try await env(scratch)
      try FileTree.write(["vhost.conf": "server_name example.com\n"], in: e.context)
      let (first, log) = try await build(e, Self.seed, BuildOptions(tags: ["seed:1", "seed:latest"]))
      #expect(log.text.contains("Step 1/7 : FROM busybox"))
      #expect(log.text.contains("Step 4/7 : RUN mkdir"))
      #expect(first.executedSteps == 2)
      let img = try await e.store.image(named: "seed:1")
      #expect(img.id == first.imageID)
      #expect(try await e.store.image(named: "seed:latest").id == first.imageID)
      #expect(img.config.author == "ContainerKit Tests <ckit@example.com>")
      #expect(img.config.config?.cmd == ["httpd", "-f", "-p", "80", "-h", "/var/www/html"])
      #expect(img.config.config?.exposedPorts?.keys.sorted() == ["80/tcp"])
      #expect(img.config.config?.env?.contains("WEBROOT=/var/www/html") == true)
      #expect(img.manifest.layers.count == 3, "busybox + RUN + ADD")
      let history = img.config.history ?? []
      #expect(history.filter { $0.emptyLayer != true }.count == img.config.rootfs.diffIDs.count)
      #expect(history.contains { $0.createdBy?.contains("MAINTAINER") == true && $0.emptyLayer == true })

      let (code, out) = try await runImage(
        e, "seed:1", ["cat", "/var/www/html/index.html", "/etc/httpd/conf.d/vhost.conf"])
      #expect(code == 0)
      #expect(out == "<h1>it works</h1>\nserver_name example.com\n")

      // Second build: every step from the cache, same image.
      let (second, log2) = try await build(e, Self.seed, BuildOptions(tags: ["seed:1"]))
      #expect(second.executedSteps == 0)
      #expect(second.cachedSteps == 6)
      #expect(second.imageID == first.imageID)
      #expect(log2.all.filter { $0 == .usingCache }.count == 6)

      // Change the ADDed file: the RUN before it stays cached, the ADD runs again.
      try FileTree.write(["vhost.conf": "server_name changed.example.com\n"], in: e.context)
      let (third, log3) = try await build(e, Self.seed, BuildOptions(tags: ["seed:2"]))
      #expect(third.executedSteps == 1)
      #expect(third.cachedSteps == 3, "MAINTAINER, ENV, RUN")
      #expect(third.imageID != first.imageID)
      let text = log3.text
      let addStep = try #require(text.range(of: "Step 5/7 : ADD"))
      #expect(!text[addStep.upperBound...].prefix(40).contains("Using cache"))
      let (_, out3) = try await runImage(e, "seed:2", ["cat", "/etc/httpd/conf.d/vhost.conf"])
      #expect(out3 == "server_name changed.example.com\n")
      #expect(try await e.store.snapshots().isEmpty, "no snapshot left behind")
    }
  }

  @Test(.enabled(if: isRoot, "requires root")) func multiStageCopyFromSkipsUnneededStages() async throws {
    try await withScratchRoot { scratch in
      let e = try await env(scratch)
      let dockerfile = """
        FROM busybox AS build
        RUN mkdir /out && echo built > /out/artifact && chown 12:34 /out/artifact
        FROM busybox AS unused
        RUN exit 3
        FROM scratch
        COPY --from=build /out/artifact /artifact
        COPY --from=busybox /bin/busybox /bin/busybox
        """
      let (r, log) = try await build(e, dockerfile, BuildOptions(tags: ["multi:1"]))
      #expect(log.all.contains(.skippedStage("unused")))
      #expect(r.state.layers.count == 2)
      let (code, out) = try await runImage(e, "multi:1", ["/bin/busybox", "stat", "-c", "%u:%g %n", "/artifact"])
      #expect(code == 0)
      #expect(out == "12:34 /artifact\n")

      // --target stops at the named stage.
      let (t, _) = try await build(e, dockerfile, BuildOptions(tags: ["multi:build"], target: "build"))
      #expect(t.state.layers.count == 2)
    }
  }

  @Test(.enabled(if: isRoot, "requires root")) func onbuildTriggersRunInTheChildBuild() async throws {
    try await withScratchRoot { scratch in
      let e = try await env(scratch)
      try FileTree.write(["app.txt": "payload\n"], in: e.context)
      _ = try await build(
        e, "FROM busybox\nONBUILD COPY app.txt /app/\nONBUILD RUN echo triggered > /app/flag\n",
        BuildOptions(tags: ["onbuild-base:1"]))
      let base = try await e.store.image(named: "onbuild-base:1")
      #expect(base.config.config?.onBuild == ["COPY app.txt /app/", "RUN echo triggered > /app/flag"])
      let (child, _) = try await build(
        e, "FROM onbuild-base:1\nCMD [\"cat\", \"/app/app.txt\"]\n", BuildOptions(tags: ["child:1"]))
      #expect(child.state.config.config?.onBuild == nil, "triggers do not propagate to grandchildren")
      let (code, out) = try await runImage(e, "child:1", ["cat", "/app/app.txt", "/app/flag"])
      #expect(code == 0)
      #expect(out == "payload\ntriggered\n")
    }
  }

  @Test(.enabled(if: isRoot, "requires root")) func failingRunStopsTheBuildAndLeavesNothing() async throws {
    try await withScratchRoot { scratch in
      let e = try await env(scratch)
      let dockerfile = "FROM busybox\nRUN echo compiling; echo oops >&2; exit 2\nRUN echo never\n"
      do {
        _ = try await build(e, dockerfile, BuildOptions(tags: ["broken:1"]))
        Issue.record("the build should have failed")
      } catch let BuildError.runFailed(command, code, output) {
        #expect(code == 2)
        #expect(command.contains("exit 2"))
        #expect(output.contains("compiling") && output.contains("oops"))
        #expect(
          BuildError.runFailed(command: command, exitCode: code, output: output).description.contains("exit code 2"))
      }
      await #expect(throws: (any Error).self) { _ = try await e.store.image(named: "broken:1") }
      #expect(try await e.store.snapshots().isEmpty)
      #expect(scratch.mounts() == [], "no overlay left mounted")
      #expect(e.runtime.list().isEmpty, "no container left")
      #expect(e.runtime.cgroups != nil, "RUN containers are placed in cgroups")
      #expect(Self.leftoverCgroups(e.runtime) == [], "no cgroup left")
    }
  }

  @Test(.enabled(if: isRoot, "requires root")) func configFieldsReadBackAndDockerignoreApplies() async throws {
    try await withScratchRoot { scratch in
      let e = try await env(scratch)
      try FileTree.write(
        ["keep/a.txt": "a", "keep/b.log": "b", "secret.env": "x", ".dockerignore": "**/*.log\nsecret.env\n"],
        in: e.context)
      let dockerfile = """
        FROM busybox
        ARG VERSION=1.0
        LABEL org.opencontainers.image.version=$VERSION maintainer.team=core
        ENV APP_HOME=/srv/app PATH=/srv/app/bin:$PATH
        WORKDIR $APP_HOME
        COPY --chown=nobody:nobody keep ./data/
        RUN echo 'app:x:1000:1000::/home/app:/bin/sh' >> /etc/passwd && echo 'app:x:1000:' >> /etc/group \
          && ls -n data > listing && [ "$VERSION" = 2.0 ]
        USER app:app
        RUN echo "$(id -u):$(id -g) in $(pwd) with $VERSION" > /tmp/whoami
        VOLUME ["/srv/app/data", "/cache"]
        EXPOSE 8080/tcp 53/udp
        STOPSIGNAL SIGQUIT
        HEALTHCHECK --interval=5s --timeout=2s --retries=4 CMD wget -q -O- localhost:8080 || exit 1
        SHELL ["/bin/sh", "-ec"]
        ENTRYPOINT ["/bin/sh", "-c"]
        CMD ["echo hi"]
        """
      let (r, _) = try await build(
        e, dockerfile, BuildOptions(tags: ["cfg:1"], buildArgs: ["VERSION": "2.0"], labels: ["built.by": "ckit"]))
      let c = try #require(try await e.store.image(named: "cfg:1").config.config)
      #expect(r.state.config.config == c)
      #expect(c.labels == ["org.opencontainers.image.version": "2.0", "maintainer.team": "core", "built.by": "ckit"])
      #expect(c.env?.contains("APP_HOME=/srv/app") == true)
      #expect(c.env?.contains { $0.hasPrefix("PATH=/srv/app/bin:/") } == true)
      #expect(c.workingDir == "/srv/app")
      #expect(c.user == "app:app")
      #expect(c.volumes?.keys.sorted() == ["/cache", "/srv/app/data"])
      #expect(c.exposedPorts?.keys.sorted() == ["53/udp", "8080/tcp"])
      #expect(c.stopSignal == "SIGQUIT")
      #expect(c.healthcheck?.test == ["CMD-SHELL", "wget -q -O- localhost:8080 || exit 1"])
      #expect(c.healthcheck?.interval == 5_000_000_000)
      #expect(c.healthcheck?.timeout == 2_000_000_000)
      #expect(c.healthcheck?.retries == 4)
      #expect(c.shell == ["/bin/sh", "-ec"])
      #expect(c.entrypoint == ["/bin/sh", "-c"])
      #expect(c.cmd == ["echo hi"])
      let (_, who) = try await runImage(e, "cfg:1", ["cat", "/tmp/whoami"])
      #expect(who == "1000:1000 in /srv/app with 2.0\n", "RUN sees USER, WORKDIR and the build arg")
      let (code, out) = try await runImage(e, "cfg:1", ["cat", "/srv/app/listing"])
      #expect(code == 0)
      #expect(out.contains("a.txt") && !out.contains("b.log"))
      #expect(out.contains("65534"), "--chown=nobody:nobody, resolved in the image's passwd file")
    }
  }

  @Test(.enabled(if: isRoot, "requires root")) func addFromURLChecksCachesWithoutDownloadingAndRejectsBadSums()
    async throws
  {
    try await withScratchRoot { scratch in
      let e = try await env(scratch)
      let www = try scratch.directory("www")
      try FileTree.write(["files/hello.txt": "remote content\n"], in: www)
      // A port that was free a moment ago: if another process took it first, httpd exits and the next is tried.
      var port = 0
      var server: Subprocess?
      for _ in 0..<3 {
        port = try FreePort.next()
        let started = try Subprocess(["/bin/busybox", "httpd", "-f", "-p", "127.0.0.1:\(port)", "-h", www.path])
        server = started
        let serving = try await eventually {
          !started.isRunning || (try? HTTPProbe.get(port: port, path: "/files/hello.txt"))?.status == 200
        }
        if serving && started.isRunning { break }
      }
      let httpd = try #require(server)
      #expect(httpd.isRunning, "httpd did not serve on 127.0.0.1:\(port)")
      let sum = Digest.sha256(of: Array("remote content\n".utf8))
      let dockerfile = "FROM busybox\nADD --checksum=\(sum) http://127.0.0.1:\(port)/files/hello.txt /srv/\n"
      let (first, _) = try await build(e, dockerfile, BuildOptions(tags: ["url:1"]))
      #expect(first.executedSteps == 1)
      let (code, out) = try await runImage(e, "url:1", ["stat", "-c", "%a %u", "/srv/hello.txt"])
      #expect(code == 0)
      #expect(out == "600 0\n", "downloads get mode 0600, as in Docker")
      #expect(try await runImage(e, "url:1", ["cat", "/srv/hello.txt"]).1 == "remote content\n")

      let wrong = Digest.sha256(of: [1])
      let bad = "FROM busybox\nADD --checksum=\(wrong) http://127.0.0.1:\(port)/files/hello.txt /srv/\n"
      await #expect(
        throws: BuildError.checksumMismatch(
          url: "http://127.0.0.1:\(port)/files/hello.txt", expected: wrong.description, actual: sum.description)
      ) { _ = try await build(e, bad, BuildOptions()) }

      // With the server gone, the step is still a hit: the checksum is the key, nothing is fetched.
      // SIGKILL: busybox httpd ignores SIGTERM.
      httpd.signal(SIGKILL)
      // Gone before the build, so that a fetch could not succeed: an event, not a fixed wait.
      #expect(await httpd.ended(within: .seconds(20)), "httpd outlived SIGKILL")
      let (second, _) = try await build(e, dockerfile, BuildOptions(tags: ["url:1"]))
      #expect(second.executedSteps == 0)
      #expect(second.imageID == first.imageID)

    }
  }

  @Test(.enabled(if: isRoot, "requires root")) func runMountsCacheBindAndTmpfs() async throws {
    try await withScratchRoot { scratch in
      let e = try await env(scratch)
      try FileTree.write(["src/input.txt": "from the context\n"], in: e.context)
      let dockerfile = """
        FROM busybox
        RUN --mount=type=cache,target=/var/cache/app --mount=type=bind,source=src,target=/mnt/src \\
            --mount=type=tmpfs,target=/scratch \\
            echo run >> /var/cache/app/count && wc -l < /var/cache/app/count > /runs \\
            && cat /mnt/src/input.txt > /copied && touch /scratch/x && ! touch /mnt/src/ro 2>/dev/null
        """
      _ = try await build(e, dockerfile, BuildOptions(tags: ["mnt:1"]))
      #expect(try await runImage(e, "mnt:1", ["cat", "/copied"]).1 == "from the context\n")
      #expect(try await runImage(e, "mnt:1", ["cat", "/runs"]).1 == "1\n")
      // The cache mount outlives the build: a --no-cache rebuild sees the first run's file.
      _ = try await build(e, dockerfile, BuildOptions(tags: ["mnt:2"], noCache: true))
      #expect(try await runImage(e, "mnt:2", ["cat", "/runs"]).1 == "2\n")
      #expect(try await runImage(e, "mnt:2", ["ls", "/var/cache/app"]).1 == "", "cache contents stay out of the layer")
    }
  }

  /// A base image whose `/w` leads to a host directory through a link its own copy of that path loops on: `WORKDIR
  /// /w/sub` is made inside the rootfs or not at all, never in the host directory. Before, the builder's resolver
  /// gave up on the loop and `mkdir -p` followed the path through the link to the host: `sub` appeared there.
  @Test(.enabled(if: isRoot, "requires root")) func workdirThroughAHostileLinkStaysInTheRootfs() async throws {
    try await withScratchRoot { scratch in
      let e = try await env(scratch)
      let host = try scratch.directory("host-\(UInt32.random(in: 0..<UInt32.max))").path
      var entries: [TarFixture.Entry] = []
      var path = ""
      for part in host.split(separator: "/").dropLast() {
        path += (path.isEmpty ? "" : "/") + part
        entries.append(.dir(path))
      }
      entries += [.symlink(String(host.dropFirst()), to: host), .symlink("w", to: host)]
      try TarFixture.write(entries, to: e.context.appendingPathComponent("links.tar").path)
      try "x".write(to: e.context.appendingPathComponent("f"), atomically: true, encoding: .utf8)
      _ = try? await Self.build(e, "FROM busybox:latest\nADD links.tar /\nWORKDIR /w/sub\nCOPY f /f\n")
      #expect(try FileManager.default.contentsOfDirectory(atPath: host).isEmpty, "WORKDIR made a host directory")
    }
  }
}
