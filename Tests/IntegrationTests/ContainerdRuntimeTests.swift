import Foundation
import TestSupport
import Testing

/// Debian's containerd; the suite is skipped without it (a host where scripts/install-deps.sh did not run).
let containerdInstalled =
  FileManager.default.isExecutableFile(atPath: "/usr/bin/containerd")
  && FileManager.default.isExecutableFile(atPath: "/usr/bin/containerd-shim-runc-v2")

/// containerd (Debian's 1.6) running containers with its runc v2 shim and `ckit-runtime` as the shim's runc binary,
/// what a Kubernetes node does through a runtime handler. Each test starts its own containerd on a private root,
/// state directory and socket, pulls busybox from a local registry, and uses a containerd namespace of its own
/// (which is also the cgroup parent of its containers).
@Suite(
  "containerd's runc shim with ckit-runtime as its runc", .enabled(if: isRoot, "requires root"),
  .enabled(if: containerdInstalled, "requires containerd (scripts/install-deps.sh)"))
struct ContainerdRuntimeTests {
  struct Containerd {
    let scratch: ScratchRoot
    let namespace: String
    let image: String
    var socket: String { scratch.path.appendingPathComponent("containerd.sock").path }
    static var runtime: String { RepoPaths.root.appendingPathComponent(".build/debug/ckit-runtime").path }

    /// `ctr` on this containerd and namespace.
    func ctr(_ args: [String]) throws -> CommandResult {
      try Command.run(["ctr", "--address", socket, "--namespace", namespace] + args, check: false)
    }

    /// `ctr run` with ckit-runtime as the runc v2 shim's runc binary.
    func run(_ options: [String], id: String, _ command: [String]) throws -> CommandResult {
      try ctr(["run", "--runc-binary", Self.runtime] + options + [image, id] + command)
    }

    /// A containerd of this test's own, with busybox pulled, stopped (and its containers removed) afterwards.
    /// With `cri`, containerd's CRI plugin is loaded too, with Kubernetes.md's runtime handler for ckit-runtime
    /// (its network plugins and configs looked for in the scratch directory, its stream server on loopback).
    static func with(cri: Bool = false, _ body: (Containerd) async throws -> Void) async throws {
      try await withScratchRoot { scratch in
        let dir = scratch.path.path
        var config = """
          version = 2
          root = "\(dir)/root"
          state = "\(dir)/state"
          disabled_plugins = [\(cri ? "" : "\"io.containerd.grpc.v1.cri\", ")"io.containerd.snapshotter.v1.btrfs",
            "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.aufs",
            "io.containerd.snapshotter.v1.devmapper", "io.containerd.tracing.processor.v1.otlp",
            "io.containerd.internal.v1.tracing"]
          [grpc]
            address = "\(dir)/containerd.sock"
          [ttrpc]
            address = "\(dir)/containerd.sock.ttrpc"

          """
        if cri {
          config += """
            [plugins."io.containerd.grpc.v1.cri"]
              disable_tcp_service = true
              stream_server_address = "127.0.0.1"
              stream_server_port = "0"
              [plugins."io.containerd.grpc.v1.cri".cni]
                bin_dir = "\(dir)/cni-bin"
                conf_dir = "\(dir)/cni-conf"
              [plugins."io.containerd.grpc.v1.cri".containerd]
                default_runtime_name = "runc"
              [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
                runtime_type = "io.containerd.runc.v2"
              [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.ckit]
                runtime_type = "io.containerd.runc.v2"
                [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.ckit.options]
                  BinaryName = "\(Self.runtime)"
                  SystemdCgroup = false

            """
        }
        let configURL = scratch.path.appendingPathComponent("config.toml")
        try config.write(to: configURL, atomically: true, encoding: .utf8)
        // Started detached, from a shell that exits at once: the test reaps no daemon, and neither it nor the shims
        // it starts keep a descriptor of this process (Foundation's Process watches one for its child's exit).
        let log = scratch.path.appendingPathComponent("containerd.log").path
        let started = try Command.run([
          "bash", "-c", PodmanRuntimeTests.Podman.closingDescriptors, "bash", "bash", "-c",
          "/usr/bin/containerd --config \"$0\" >\"$1\" 2>&1 </dev/null & echo $!", configURL.path, log,
        ])
        let daemon = try #require(Int32(started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        scratch.register(pid: daemon)
        // The runc shim keeps each namespace's runtime state under /run/containerd/runc/NAMESPACE.
        let namespace = scratch.cgroupParent()
        defer { try? FileManager.default.removeItem(atPath: "/run/containerd/runc/\(namespace)") }

        let registry = try LocalRegistry.start()
        defer { registry.stop() }
        let image = "\(registry.host)/library/busybox:latest"
        let containerd = Containerd(scratch: scratch, namespace: namespace, image: image)
        let up = try await eventually { try containerd.ctr(["version"]).status == 0 }
        try #require(up, "\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        let pulled = try containerd.ctr(["images", "pull", "--plain-http", image])
        try #require(pulled.status == 0, "\(pulled.stderr)")
        defer {
          // Tasks first (their shims exit with them), then containerd itself.
          for id in (try? containerd.ctr(["containers", "ls", "-q"]).stdout.split(separator: "\n")) ?? [] {
            _ = try? containerd.ctr(["task", "kill", "-s", "KILL", String(id)])
            _ = try? containerd.ctr(["task", "delete", "-f", String(id)])
            _ = try? containerd.ctr(["containers", "rm", String(id)])
          }
          kill(daemon, SIGTERM)
          _ = eventuallyBlocking { kill(daemon, 0) != 0 }
        }
        try await body(containerd)
      }
    }
  }

  @Test("the CRI plugin loads Kubernetes.md's runtime handler: ckit-runtime as the shim's BinaryName")
  func criHandler() async throws {
    try await Containerd.with(cri: true) { containerd in
      let plugins = try containerd.ctr(["plugins", "ls"])
      let cri = plugins.stdout.split(separator: "\n").first {
        $0.contains("io.containerd.grpc.v1") && $0.contains(" cri ")
      }
      #expect(cri?.split(separator: " ").last == "ok", "\(plugins.stdout)")
      let config = containerd.scratch.path.appendingPathComponent("config.toml").path
      let dump = try Command.run(["containerd", "--config", config, "config", "dump"]).stdout
      let handler = try #require(dump.range(of: "runtimes.ckit.options]"), "\(dump)")
      #expect(dump[handler.upperBound...].contains("BinaryName = \"\(Containerd.runtime)\""), "\(dump)")
    }
  }

  @Test("ctr run --rm: the output and the program's exit status")
  func run() async throws {
    try await Containerd.with { containerd in
      let r = try containerd.run(["--rm"], id: "ctr-run", ["sh", "-c", "echo hi; echo $$; exit 3"])
      #expect(r.stdout == "hi\n1\n", "\(r.stderr)")
      #expect(r.status == 3)
      #expect(try containerd.ctr(["containers", "ls", "-q"]).stdout.isEmpty)
    }
  }

  @Test("a task: exec, ps, pause and resume, metrics, kill, its log and exit status, delete")
  func task() async throws {
    try await Containerd.with { containerd in
      let log = containerd.scratch.path.appendingPathComponent("task.log").path
      let script = "echo started; trap 'echo got term; exit 4' TERM; while true; do sleep 1; done"
      let started = try containerd.run(["-d", "--log-uri", "file://" + log], id: "ctr-task", ["sh", "-c", script])
      #expect(started.status == 0, "\(started.stderr)")

      let exec = try containerd.ctr(["task", "exec", "--exec-id", "e1", "ctr-task", "sh", "-c", "echo in exec; exit 5"])
      #expect(exec.stdout == "in exec\n", "\(exec.stderr)")
      #expect(exec.status == 5)
      let ps = try containerd.ctr(["task", "ps", "ctr-task"])
      #expect(ps.status == 0 && ps.stdout.split(separator: "\n").count >= 3, "\(ps.stdout) \(ps.stderr)")

      #expect(try containerd.ctr(["task", "pause", "ctr-task"]).status == 0)
      #expect(try containerd.ctr(["task", "ls"]).stdout.contains("PAUSED"))
      #expect(try containerd.ctr(["task", "resume", "ctr-task"]).status == 0)
      #expect(try containerd.ctr(["task", "ls"]).stdout.contains("RUNNING"))
      let metrics = try containerd.ctr(["task", "metrics", "ctr-task"])
      #expect(metrics.stdout.contains("memory.usage_in_bytes"), "\(metrics.stdout) \(metrics.stderr)")

      let checkpoint = try containerd.ctr(["task", "checkpoint", "ctr-task"])
      #expect(checkpoint.failed(saying: "not supported by ckit-runtime"), "\(checkpoint.stderr)")

      #expect(try containerd.ctr(["task", "kill", "ctr-task"]).status == 0)
      let stopped = try await eventually { try containerd.ctr(["task", "ls"]).stdout.contains("STOPPED") }
      #expect(stopped)
      #expect(try String(contentsOfFile: log, encoding: .utf8) == "started\ngot term\n")
      let deleted = try containerd.ctr(["task", "delete", "ctr-task"])
      #expect(deleted.status == 0)
      #expect(deleted.stderr.contains("exit code 4"), "\(deleted.stderr)")
      #expect(try containerd.ctr(["containers", "rm", "ctr-task"]).status == 0)
    }
  }
}
