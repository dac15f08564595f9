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

  /// Whether the process sleeps in read(2) (/proc/PID/syscall names the call a blocked task is in; read is 0 on
  /// x86_64 and 63 on arm64).
  static func blockedInRead(_ pid: Int32) -> Bool {
    let raw = (try? String(contentsOfFile: "/proc/\(pid)/syscall", encoding: .utf8)) ?? ""
    #if arch(arm64)
      return raw.hasPrefix("63 ")
    #else
      return raw.hasPrefix("0 ")
    #endif
  }

  @Test("no exec fifo; the state file is there; the program waits for start(), then its output and exit code")
  func startsOnChannel() async throws {
    try await withRuntimeFixture { f in
      let spec = f.spec(["sh", "-c", "echo hi; exit 3"])
      let c = try await f.create(spec, id: "ips", io: .pipes, inProcessStart: true)
      let dir = f.runtime.root.appendingPathComponent("ips")
      #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("exec.fifo").path))
      #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("state.json").path))
      #expect(c.status == .created)
      // The init reaches its wait for start() (blocked in read(2) on the sync socket, still the runtime's own
      // image): an event, after which a program that did not wait would already have run and exited.
      let waiting = try await eventually { Self.blockedInRead(c.pid) && Self.commandLine(c.pid) != "sh" }
      #expect(waiting, "the init never waited for start(): \(Self.commandLine(c.pid))")
      let output = try await RuntimeFixture.output(starting: c)
      #expect(output.out == "hi\n")
      #expect(output.status.code == 3)
      await #expect(throws: ContainerError.self) { try await c.start() }
      try await f.remove(c)
    }
  }

  @Test("a missing binary fails start() with the exec error and exit 127, as through the fifo")
  func missingBinary() async throws {
    try await withRuntimeFixture { f in
      let c = try await f.create(f.spec(["/bin/nope"]), id: "ips-nope", inProcessStart: true)
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
    try await withRuntimeFixture { f in
      let c = try await f.create(f.spec(["true"]), id: "ips-del", inProcessStart: true)
      try await f.remove(c, force: true)
      #expect(kill(c.pid, 0) != 0)
    }
  }
}
