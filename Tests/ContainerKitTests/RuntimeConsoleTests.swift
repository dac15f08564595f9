import Foundation
import TestSupport
import Testing

/// `ckit-runtime create --console-socket`: the pty master, opened inside the container, reaches whoever listens on
/// the socket (containerd's shim does this with runc).
@Suite("ckit-runtime --console-socket", .enabled(if: isRoot, "requires root"))
struct RuntimeConsoleTests {
  /// Plays the shim: listens on the socket, runs `create` with it, takes the fd it receives, runs `start`, and
  /// prints what the terminal shows until the program is gone.
  static let shim = """
    import os, socket, subprocess, sys
    path, bundle, name, cli = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    subprocess.run(cli + ["create", "--console-socket", path, "--bundle", bundle, name], check=True)
    conn, _ = listener.accept()
    _, fds, _, _ = socket.recv_fds(conn, 1, 1)
    subprocess.run(cli + ["start", name], check=True)
    out = b""
    while True:
        try:
            chunk = os.read(fds[0], 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    sys.stdout.write(out.decode())
    """

  @Test("the master sent on --console-socket is the program's terminal, from the container's devpts")
  func consoleSocket() async throws {
    try await withScratchRoot { scratch in
      let bundle = try RuntimeCLITests.bundle(scratch, args: ["sh", "-c", "tty; test -t 0 && echo tty"])
      try RuntimeCLIHookTests.edit(bundle, RuntimeCLIHookTests.object("process") { $0["terminal"] = true })

      let parent = RuntimeCLITests.cgroupParent(scratch)
      for dir in RuntimeFixture.cgroupDirectories(parent) { scratch.register(cgroup: dir) }
      let cli = [
        RuntimeCLITests.binary, "--root", scratch.path.appendingPathComponent("state").path, "--cgroup-parent", parent,
      ]
      let socket = scratch.path.appendingPathComponent("console.sock").path
      let r = try Command.run(["python3", "-c", Self.shim, socket, bundle.path, "cli-tty"] + cli, check: false)
      #expect(r.status == 0, "\(r.stderr)")
      #expect(r.stdout == "/dev/pts/0\r\ntty\r\n")
      #expect(try Command.run(cli + ["delete", "--force", "cli-tty"], check: false).status == 0)
    }
  }
}
