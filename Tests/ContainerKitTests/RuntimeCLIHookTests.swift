import Foundation
import TestSupport
import Testing

/// `ckit-runtime` on `runc spec` bundles using what the C child does itself: hooks, the cgroup namespace's view.
@Suite("ckit-runtime CLI: child hooks and namespaces", .enabled(if: isRoot, "requires root"))
struct RuntimeCLIHookTests {
  /// Edits the bundle's config.json as JSON, the way a tool that writes configs would.
  static func edit(_ bundle: URL, _ change: (inout [String: Any]) throws -> Void) throws {
    let url = bundle.appendingPathComponent("config.json")
    var config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    try change(&config)
    try JSONSerialization.data(withJSONObject: config).write(to: url)
  }

  @Test("run with a cgroup namespace: runc's cgroup mount shows the container's cgroup as the root")
  func cgroupNamespace() async throws {
    try await withScratchRoot { scratch in
      let bundle = try RuntimeCLITests.bundle(
        scratch,
        args: [
          "sh", "-c", "grep -vc ':/$' /proc/self/cgroup; ls \(CgroupLayout.directory("memory")) | grep -c ckit-cli-",
        ])
      try Self.edit(bundle) { config in
        var linux = try #require(config["linux"] as? [String: Any])
        var namespaces = try #require(linux["namespaces"] as? [[String: Any]])
        // `spec` already has one on a pure v2 host, as runc's does.
        if !namespaces.contains(where: { $0["type"] as? String == "cgroup" }) { namespaces.append(["type": "cgroup"]) }
        linux["namespaces"] = namespaces
        config["linux"] = linux
      }
      let r = try RuntimeCLITests.cli(scratch, ["run", "--bundle", bundle.path, "cli-cgns"])
      // No line of /proc/self/cgroup but "/" paths, and not the host's tree with the test's cgroup parent.
      #expect(r.stdout == "0\n0\n", "\(r.stderr)")
      #expect(r.status == 1)
    }
  }

  @Test("a failing createContainer hook: run fails with the hook named, nothing left")
  func failingHook() async throws {
    try await withScratchRoot { scratch in
      let bundle = try RuntimeCLITests.bundle(scratch, args: ["true"])
      try Self.edit(bundle) { config in
        config["hooks"] = ["createContainer": [["path": "/bin/sh", "args": ["sh", "-c", "exit 4"]]]]
      }
      let r = try RuntimeCLITests.cli(scratch, ["run", "--bundle", bundle.path, "cli-hook"])
      #expect(r.status != 0)
      #expect(r.stderr.contains("createContainer hook /bin/sh: exited with status 4"), "\(r.stderr)")
      #expect(!FileManager.default.fileExists(atPath: scratch.path.appendingPathComponent("state/cli-hook").path))
    }
  }

  @Test("hooks the runtime runs quote their stderr: a failing prestart fails run, a failing poststop only warns")
  func runtimeHookStderr() async throws {
    try await withScratchRoot { scratch in
      let bundle = try RuntimeCLITests.bundle(scratch, args: ["true"])
      try Self.edit(bundle) { config in
        config["hooks"] = ["poststop": [["path": "/bin/sh", "args": ["sh", "-c", "echo gone wrong >&2; exit 2"]]]]
      }
      var r = try RuntimeCLITests.cli(scratch, ["run", "--bundle", bundle.path, "cli-poststop"])
      #expect(r.status == 0, "\(r.stderr)")
      #expect(r.stderr == "warning: poststop hook /bin/sh: exited with status 2: gone wrong\n")

      try Self.edit(bundle) { config in
        config["hooks"] = ["prestart": [["path": "/bin/sh", "args": ["sh", "-c", "echo not ready >&2; exit 3"]]]]
      }
      r = try RuntimeCLITests.cli(scratch, ["run", "--bundle", bundle.path, "cli-prestart"])
      #expect(r.status != 0)
      #expect(r.stderr.contains("prestart hook /bin/sh: exited with status 3: not ready"), "\(r.stderr)")
      #expect(!FileManager.default.fileExists(atPath: scratch.path.appendingPathComponent("state/cli-prestart").path))
    }
  }
}
