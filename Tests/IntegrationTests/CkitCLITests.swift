import Foundation
import TestSupport
import Testing

/// The real `ckit` binary, end to end, on a scratch state root.
@Suite struct CkitCLITests {
  static var products: URL {
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    if dir.path.hasSuffix(".xctest/Contents/MacOS") { dir = dir.deletingLastPathComponent() }
    return dir
  }

  /// The OCI runtime the end-to-end tests run containers with: the project's own `ckit-runtime` (ckit's default),
  /// or `CKIT_TEST_RUNTIME` (e.g. /usr/sbin/runc) to check ckit against a peer.
  static let runtime =
    ProcessInfo.processInfo.environment["CKIT_TEST_RUNTIME"] ?? products.appendingPathComponent("ckit-runtime").path

  static func ckit(_ root: ScratchRoot, _ args: [String], stdin: String? = nil) throws -> CommandResult {
    var env = ProcessInfo.processInfo.environment
    env["CKIT_RUNTIME"] = runtime
    env["CKIT_CGROUP_PARENT"] = root.cgroupParent()
    return try Command.run(
      [products.appendingPathComponent("ckit").path, "--root", root.path.path] + args, stdin: stdin, check: false,
      environment: env)
  }

  @Test func versionAndEmptyListings() async throws {
    try await withScratchRoot { root in
      let v = try Self.ckit(root, ["version"])
      #expect(v.status == 0)
      #expect(v.stdout.contains("Version:           0.1.0"))
      let ps = try Self.ckit(root, ["ps", "-a"])
      #expect(ps.status == 0)
      #expect(ps.stdout == "CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES\n")
      let q = try Self.ckit(root, ["ps", "-aq"])
      #expect(q.stdout.isEmpty)
      let fmt = try Self.ckit(root, ["ps", "--format", "table {{.ID}}\\t{{.Names}}"])
      #expect(fmt.stdout == "CONTAINER ID   NAMES\n")
    }
  }

  @Test func unknownContainerIsDockersMessageAndExit1() async throws {
    try await withScratchRoot { root in
      for cmd in [
        ["logs", "nosuch"], ["stop", "nosuch"], ["inspect", "--type", "container", "nosuch"], ["port", "nosuch"],
      ] {
        let r = try Self.ckit(root, cmd)
        #expect(r.status == 1, "\(cmd)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(cmd): \(r.stderr)")
      }
      #expect(
        try Self.ckit(root, ["logs", "nosuch"]).stderr == "Error response from daemon: No such container: nosuch\n")
    }
  }

  @Test func badRunInputIsOneLineAndExit125AndCreatesNothing() async throws {
    try await withScratchRoot { root in
      let cases: [([String], String)] = [
        (["run", "-p", "8888:http", "busybox"], "Invalid containerPort: http"),
        (["run", "-p", "99999:80", "busybox"], "Invalid hostPort: 99999"),
        (["run", "Bad/Reference", "true"], "invalid reference format"),
        (["run", "--network", "overlay", "busybox"], "network overlay not found"),
        (["run", "--restart", "sometimes", "busybox"], "no such policy"),
        (["run", "--name=-x", "busybox"], "Invalid container name"),
        (["run", "-m", "1m", "busybox"], "Minimum memory limit"),
      ]
      for (args, needle) in cases {
        let r = try Self.ckit(root, args)
        #expect(r.status == 125, "\(args): \(r.stderr)")
        #expect(r.stderr.contains(needle), "\(args): \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(args): \(r.stderr)")
        #expect(r.stdout.isEmpty)
      }
      let unknownFlag = try Self.ckit(root, ["run", "--bogus", "busybox"])
      #expect(unknownFlag.status == 125)
      #expect(unknownFlag.stderr.contains("--bogus"))
      let containers = (try? FileManager.default.contentsOfDirectory(atPath: root.path.path + "/containers")) ?? []
      #expect(containers.isEmpty)
      // The flags are checked before the engine opens its state root, which would make it.
      let fresh = root.path.path + "/fresh"
      for verb in ["run", "create"] {
        let r = try Command.run(
          [Self.products.appendingPathComponent("ckit").path, "--root", fresh, verb, "-p", "8888:http", "busybox"],
          check: false)
        #expect(r.status == 125 && r.stderr.contains("Invalid containerPort"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: fresh), "\(verb) made the state root of a bad command")
      }
    }
  }

  @Test func volumesLifecycle() async throws {
    try await withScratchRoot { root in
      #expect(try Self.ckit(root, ["volume", "create", "data"]).stdout == "data\n")
      let ls = try Self.ckit(root, ["volume", "ls"])
      #expect(ls.stdout == "DRIVER    VOLUME NAME\nlocal     data\n")
      let inspect = try Self.ckit(root, ["volume", "inspect", "data"])
      #expect(inspect.stdout.contains("\"Mountpoint\": \"\(root.path.path)/volumes/data/_data\""))
      #expect(try Self.ckit(root, ["volume", "ls", "--format", "{{.Name}}"]).stdout == "data\n")
      #expect(try Self.ckit(root, ["volume", "rm", "data"]).stdout == "data\n")
      let again = try Self.ckit(root, ["volume", "rm", "data"])
      #expect(again.status == 1)
      #expect(again.stderr.contains("no such volume"))
    }
  }
}
