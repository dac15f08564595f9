import ContainerSandbox
import TestSupport
import Testing

/// What a reset must not keep beside the writable layer: the System V IPC objects of the sandbox's IPC namespace
/// and what a process changed in its `/dev` (a tmpfs that the swap of the overlay keeps).
@Suite(.enabled(if: isRoot, "sandboxes need root"))
struct SandboxResetLeftoversTests {
  /// `ipcs`'s output for the sandbox's IPC namespace, through a process started in it (the image's busybox has no
  /// `ipcmk`: the host's util-linux tools enter the namespace).
  static func ipc(_ sandbox: Sandbox, _ tool: String, _ args: [String]) async throws -> String {
    let process = try await sandbox.start(["sleep", "60"])
    let out = Result { try Command.run(["nsenter", "--ipc=/proc/\(process.pid)/ns/ipc", tool] + args).stdout }
    try? process.signal(9)
    _ = await process.wait()
    return try out.get()
  }

  /// Shared memory, a message queue and a semaphore set made in the sandbox are gone after a reset, and so is
  /// every other process's; the host's IPC namespace keeps its own objects.
  @Test func resetRemovesSystemVIPCObjects() async throws {
    let host = try Command.run(["ipcmk", "-M", "4096"]).stdout
    let hostID = host.split(separator: " ").last.map(String.init)?.trimmingCharacters(in: .whitespacesAndNewlines)
    defer { if let hostID { _ = try? Command.run(["ipcrm", "-m", hostID]) } }
    try await Sandbox.withSandbox(image: try SandboxFixture.image, configuration: SandboxFixture.configuration()) {
      sandbox in
      for args in [["-M", "4096"], ["-Q"], ["-S", "1"], ["-M", "8192"]] {
        _ = try await Self.ipc(sandbox, "ipcmk", args)
      }
      let before = try await Self.ipc(sandbox, "ipcs", ["-a"])
      #expect(before.contains("4096") && before.contains("8192"), "\(before)")
      try await sandbox.reset()
      for kind in ["-m", "-q", "-s"] {
        let ids = try await Self.ipc(sandbox, "ipcs", [kind])
        let rows = ids.split(separator: "\n").filter { $0.hasPrefix("0x") }
        #expect(rows.isEmpty, "ipcs \(kind) after reset: \(ids)")
      }
    }
    let after = try Command.run(["ipcs", "-m"]).stdout
    #expect(after.contains(" \(hostID ?? "?") "), "the host's segment must stay: \(after)")
  }

  /// A file, a device node and a directory added to `/dev`, `/dev/null` replaced by a regular file and
  /// `/dev/zero`'s mode changed: after a reset `/dev` lists what it did at the start, and its devices work.
  @Test func resetPutsDevBack() async throws {
    try await Sandbox.withSandbox(image: try SandboxFixture.image, configuration: SandboxFixture.configuration()) {
      sandbox in
      let list = ["sh", "-c", "ls -la /dev | grep -v '^total' | awk '{print $1, $NF}'"]
      let fresh = try await sandbox.run(list).stdout
      let change = try await sandbox.run([
        "sh", "-c",
        "touch /dev/x && mknod /dev/sda b 8 0 && mkdir -p /dev/dir/sub && touch /dev/dir/sub/f"
          + " && rm /dev/null && echo text > /dev/null && chmod 600 /dev/zero && rm /dev/stdin && ls /dev",
      ])
      #expect(change.exitCode == 0, "\(change.stderr)")
      #expect(change.stdout.contains("sda"))
      try await sandbox.reset()
      #expect(try await sandbox.run(list).stdout == fresh)
      let r = try await sandbox.run([
        "sh", "-c",
        "test ! -e /dev/x && test -c /dev/null && echo gone > /dev/null && test ! -s /dev/null"
          + " && head -c 4 /dev/zero | wc -c && echo in | cat /dev/stdin",
      ])
      #expect(r.exitCode == 0, "\(r.stderr)")
      #expect(r.stdout == "4\nin\n")
    }
  }
}
