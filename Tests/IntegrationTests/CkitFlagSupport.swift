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

/// A real terminal for `ckit`: a tmux server of the test's own (its socket under the scratch root) whose one pane
/// runs `ckit ARGS` on a pseudo-terminal; the test types keys into it and reads the screen back, as a user would.
/// The pane stays after ckit exits (`remain-on-exit`), so its exit status can be read.
final class CkitTerminal: @unchecked Sendable {
  let socket: String
  /// The tmux server's pid (our own process): `kill-server` leaves a server whose pane still holds a process.
  private var server: pid_t = 0

  convenience init(_ env: CkitSeedTests.Env, _ args: [String], width: Int = 100, height: Int = 30) throws {
    try self.init(
      env,
      command: [
        "env", "CKIT_RUNTIME=\(CkitCLITests.runtime)", "CKIT_CGROUP_PARENT=\(env.scratch.cgroupParent())",
        CkitCLITests.products.appendingPathComponent("ckit").path, "--root", env.scratch.path.path,
      ] + args, width: width, height: height)
  }

  /// Runs `argv` (any program: the docker CLI for ckitd's tests) in the pane.
  init(_ env: CkitSeedTests.Env, command argv: [String], width: Int = 100, height: Int = 30) throws {
    socket = env.scratch.path.appendingPathComponent("tmux-\(UInt32.random(in: 0..<UInt32.max))").path
    let conf = socket + ".conf"
    try "set -g remain-on-exit on\nset -g status off\n".write(toFile: conf, atomically: true, encoding: .utf8)
    let line = argv.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
    // The server tmux forks keeps every descriptor the client had: Foundation's Process hands its child one that
    // tells it the child is gone only once no process holds it, so the server would keep the test waiting. The
    // client gets none but stdio.
    let closeAll =
      "for fd in /proc/$$/fd/*; do n=${fd##*/}; [ \"$n\" -gt 2 ] && eval \"exec $n>&-\"; done 2>/dev/null; "
      + "exec \"$@\" </dev/null >/dev/null 2>&1"
    try Command.run([
      "bash", "-c", closeAll, "bash", "tmux", "-S", socket, "-f", conf, "new-session", "-d", "-x", "\(width)", "-y",
      "\(height)", line,
    ])
    server =
      pid_t(try tmux(["display-message", "-p", "#{pid}"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
  }

  private func tmux(_ args: [String]) throws -> CommandResult {
    try Command.run(["tmux", "-S", socket] + args, check: false)
  }

  /// Types `text` literally (no key names), as if pasted.
  func type(_ text: String) throws { _ = try tmux(["send-keys", "-l", text]) }

  /// Presses keys by tmux's names: `Enter`, `C-p`, `C-d`.
  func press(_ keys: String...) throws { _ = try tmux(["send-keys"] + keys) }

  /// The screen and its scrollback, wrapped lines joined.
  func screen() -> String { (try? tmux(["capture-pane", "-p", "-J", "-S", "-"]).stdout) ?? "" }

  /// Waits until the screen shows `text`; false if it did not within the deadline.
  func waitFor(_ text: String) async throws -> Bool {
    try await eventually(every: .milliseconds(50)) { screen().contains(text) }
  }

  /// ckit's exit status once it has exited, nil if it still runs at the deadline.
  func exitStatus() async throws -> Int32? {
    try await eventuallyValue(every: .milliseconds(50)) { () -> Int32? in
      let r = try tmux(["display-message", "-p", "#{pane_dead} #{pane_dead_status}"]).stdout
      let parts = r.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
      return parts.first == "1" ? parts.dropFirst().first.flatMap { Int32($0) } : nil
    }
  }

  /// Ends the tmux server (and so hangs up ckit's terminal, if it still runs).
  func close() {
    _ = try? tmux(["kill-server"])
    // Only while that pid is still our server (its command line names our socket), never a reused one.
    if server > 0, let line = try? String(contentsOfFile: "/proc/\(server)/cmdline", encoding: .utf8),
      line.contains(socket)
    {
      kill(server, SIGKILL)
    }
    server = 0
  }

  deinit { close() }
}
