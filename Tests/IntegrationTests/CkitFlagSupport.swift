import Foundation
import TestSupport
import Testing

/// What the `CkitFlag*` suites share: one environment (a state root with a bridge of its own and busybox pulled,
/// `CkitSeedTests.Env`), the container's pid and files as the host sees them, and a real terminal.
enum CkitFlag {
  /// Runs `body` with a fresh state root, its own bridge and busybox pulled; everything is removed afterwards, also
  /// when `body` throws.
  static func withEnv(_ body: (CkitSeedTests.Env) async throws -> Void) async throws {
    try await withScratchRoot { scratch in
      let env = try CkitSeedTests.Env(scratch)
      defer { env.teardown() }
      let pull = try env.ckit(["pull", "-q", env.image])
      try #require(pull.status == 0, "\(pull.stderr)")
      try await body(env)
    }
  }

  /// `ckit inspect -f TEMPLATE NAME`, its trailing newline dropped.
  static func inspect(_ env: CkitSeedTests.Env, _ name: String, _ template: String) throws -> String {
    try env.ckit(["inspect", "-f", template, name]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// The monitor's own record of the container (`containers/<id>/state.json`): its pid, status, restart count.
  static func monitorState(_ env: CkitSeedTests.Env, _ name: String) throws -> [String: Any] {
    let id = try inspect(env, name, "{{.Id}}")
    let url = env.scratch.path.appendingPathComponent("containers/\(id)/state.json")
    return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
  }

  /// A static executable built from C `source` under the scratch root, to bind-mount into busybox containers for
  /// what busybox lacks (a UDP server).
  static func staticExecutable(_ env: CkitSeedTests.Env, name: String, source: String) throws -> String {
    let dir = try env.scratch.directory("bin")
    let c = dir.appendingPathComponent(name + ".c")
    try source.write(to: c, atomically: true, encoding: .utf8)
    let out = dir.appendingPathComponent(name).path
    try Command.run(["cc", "-static", "-O2", "-o", out, c.path])
    return out
  }
}

extension PseudoTerminal {
  /// `ckit ARGS` on a terminal of its own, on the environment's state root, runtime and cgroup parent.
  convenience init(_ env: CkitSeedTests.Env, _ args: [String], width: Int = 100, height: Int = 30) throws {
    try self.init(
      [
        "env", "CKIT_RUNTIME=\(CkitCLITests.runtime)", "CKIT_CGROUP_PARENT=\(env.scratch.cgroupParent())",
        CkitCLITests.products.appendingPathComponent("ckit").path, "--root", env.scratch.path.path,
      ] + args, width: width, height: height)
  }
}
