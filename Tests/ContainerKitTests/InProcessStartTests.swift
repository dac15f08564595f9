import ContainerKit
import Foundation
import OCI
import TestSupport
import Testing

/// `create(inProcessStart: true)`, which `run` uses: the program waits on the sync socket, not an exec fifo.
@Suite("In-process start", .enabled(if: isRoot, "requires root"))
struct InProcessStartTests {
  /// argv[0] of the process: the runtime's own until the init execs the program.
  static func commandLine(_ pid: Int32) -> String {
    let raw = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))) ?? Data()
    return String(decoding: raw.split(separator: 0).first ?? Data(), as: UTF8.self)
  }

  @Test("no exec fifo; the state file is there; the program waits for start(), then its output and exit code")
  func startsOnChannel() async throws {
    try await withScratchRoot { scratch in
      let f = try RuntimeFixture(scratch)
      let spec = f.spec(["sh", "-c", "echo hi; exit 3"])
      let c = try await f.runtime.create(id: "ips", spec: spec, io: .pipes, inProcessStart: true)
      scratch.register(pid: c.pid)
      let dir = f.runtime.root.appendingPathComponent("ips")
      #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("exec.fifo").path))
      #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("state.json").path))
      #expect(c.status == .created)
      usleep(50_000)
      #expect(Self.commandLine(c.pid) != "sh", "the program ran before start()")
      let output = try await RuntimeFixture.output(starting: c)
      #expect(output.out == "hi\n")
      #expect(output.status.code == 3)
      await #expect(throws: ContainerError.self) { try await c.start() }
      try await f.remove(c)
    }
  }

  @Test("a missing binary fails start() with the exec error and exit 127, as through the fifo")
  func missingBinary() async throws {
    try await withScratchRoot { scratch in
      let f = try RuntimeFixture(scratch)
      let c = try await f.runtime.create(id: "ips-nope", spec: f.spec(["/bin/nope"]), inProcessStart: true)
      scratch.register(pid: c.pid)
      await #expect {
        try await c.start()
      } throws: { error in
        "\(error)" == "exec: /bin/nope: no such file or directory"
      }
      #expect(await c.wait().code == 127)
      try await f.remove(c)
    }
  }

  @Test("deleted before start: the waiting program is killed and nothing is left")
  func deleteBeforeStart() async throws {
    try await withScratchRoot { scratch in
      let f = try RuntimeFixture(scratch)
      let c = try await f.runtime.create(id: "ips-del", spec: f.spec(["true"]), inProcessStart: true)
      scratch.register(pid: c.pid)
      try await f.remove(c, force: true)
      #expect(kill(c.pid, 0) != 0)
    }
  }
}
