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

  /// A change to the config's `key` object (`"linux"`, `"process"`), which `change` edits in place.
  static func object(_ key: String, _ change: @escaping (inout [String: Any]) throws -> Void) -> (
    inout [String: Any]
  ) throws -> Void {
    { config in
      var object = try #require(config[key] as? [String: Any])
      try change(&object)
      config[key] = object
    }
  }

  /// The config's hooks: one of `kind` (`prestart`, `poststop`...) that runs `script` with /bin/sh.
  static func shellHook(_ kind: String, _ script: String) -> (inout [String: Any]) throws -> Void {
    { $0["hooks"] = [kind: [["path": "/bin/sh", "args": ["sh", "-c", script]]]] }
  }

  /// Drops the mount namespace from `linux.namespaces`: the configs that runtime-tools' validation suite runs
  /// without one.
  static func withoutMountNamespace(_ config: inout [String: Any]) throws {
    try object("linux") { linux in
      let namespaces = try #require(linux["namespaces"] as? [[String: Any]])
      linux["namespaces"] = namespaces.filter { $0["type"] as? String != "mount" }
    }(&config)
  }

  @Test("run with a cgroup namespace: runc's cgroup mount shows the container's cgroup as the root")
  func cgroupNamespace() async throws {
    try await withScratchRoot { scratch in
      let bundle = try RuntimeCLITests.bundle(
        scratch,
        args: [
          "sh", "-c", "grep -vc ':/$' /proc/self/cgroup; ls \(CgroupLayout.directory("memory")) | grep -c ckit-cli-",
        ])
      try Self.edit(
        bundle,
        Self.object("linux") { linux in
          var namespaces = try #require(linux["namespaces"] as? [[String: Any]])
          // `spec` already has one on a pure v2 host, as runc's does.
          if !namespaces.contains(where: { $0["type"] as? String == "cgroup" }) {
            namespaces.append(["type": "cgroup"])
          }
          linux["namespaces"] = namespaces
        })
      let r = try RuntimeCLITests.cli(scratch, ["run", "--bundle", bundle.path, "cli-cgns"])
      // No line of /proc/self/cgroup but "/" paths, and not the host's tree with the test's cgroup parent.
      #expect(r.stdout == "0\n0\n", "\(r.stderr)")
      #expect(r.status == 1)
    }
  }

  @Test(
    "a failing createContainer or prestart hook: run fails with the hook named (its stderr quoted), nothing left",
    arguments: [
      ("createContainer", "exit 4", "createContainer hook /bin/sh: exited with status 4"),
      ("prestart", "echo not ready >&2; exit 3", "prestart hook /bin/sh: exited with status 3: not ready"),
    ])
  func failingHook(kind: String, script: String, message: String) async throws {
    try await withScratchRoot { scratch in
      let bundle = try RuntimeCLITests.bundle(scratch, args: ["true"])
      try Self.edit(bundle, Self.shellHook(kind, script))
      let id = "cli-\(kind.lowercased())"
      let r = try RuntimeCLITests.cli(scratch, ["run", "--bundle", bundle.path, id])
      #expect(r.failed(saying: message), "\(r.stderr)")
      #expect(!FileManager.default.fileExists(atPath: scratch.path.appendingPathComponent("state/\(id)").path))
    }
  }

  @Test("a failing poststop hook, which the runtime runs, only warns, quoting its stderr")
  func poststopHookWarns() async throws {
    try await withScratchRoot { scratch in
      let bundle = try RuntimeCLITests.bundle(scratch, args: ["true"])
      try Self.edit(bundle, Self.shellHook("poststop", "echo gone wrong >&2; exit 2"))
      let r = try RuntimeCLITests.cli(scratch, ["run", "--bundle", bundle.path, "cli-poststop"])
      #expect(r.status == 0, "\(r.stderr)")
      #expect(r.stderr == "warning: poststop hook /bin/sh: exited with status 2: gone wrong\n")
    }
  }
}
