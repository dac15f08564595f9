import ContainerEngine
import Foundation
import TestSupport
import Testing

/// exec through the public API: create, start attached (pipes or a tty) or detached, inspect.
@Suite(.enabled(if: isRoot, "requires root")) struct ExecAPITests {
  /// A tty exec: output through the session on one stream, stdin through its pty, a resize that the process's
  /// `stty size` sees, and the exit code at the end.
  @Test func execWithATty() async throws {
    try await withEngine { engine, image in
      let id = try await engine.run(ContainerSpec(image: image, command: ["sleep", "600"], network: .none))
      let exec = try await engine.createExec(
        id,
        ExecConfig(
          command: ["sh", "-c", "read x; stty size; echo got-$x; exit 3"], tty: true, attachStdin: true))
      let session = try await engine.startExec(exec)
      #expect(session.tty)
      #expect(try await engine.inspectExec(exec).pid > 0)
      try await session.resize(TerminalSize(rows: 33, columns: 111))
      try await session.write(Array("hi\n".utf8))
      var frames = [OutputFrame]()
      for await frame in session { frames.append(frame) }
      let text = String(decoding: frames.flatMap(\.bytes), as: UTF8.self)
      #expect(text.contains("33 111"), "\(text)")
      #expect(text.contains("got-hi"), "\(text)")
      #expect(frames.allSatisfy { $0.stream == .stdout })
      #expect(await session.exitCode() == 3)
      let inspect = try await engine.inspectExec(exec)
      #expect(!inspect.running && inspect.exitCode == 3 && inspect.containerID == id)

      // A size given at creation is the pty's before the process starts (the runtime sets it, as runc does).
      let sized = try await engine.startExec(
        try await engine.createExec(
          id,
          ExecConfig(
            command: ["stty", "size"], tty: true,
            consoleSize: TerminalSize(rows: 12, columns: 34))))
      var sizedText = ""
      for await frame in sized { sizedText += String(decoding: frame.bytes, as: UTF8.self) }
      #expect(sizedText.contains("12 34"), "\(sizedText)")
    }
  }

  /// Without a tty: stdout and stderr apart, stdin until it is closed, the exit code.
  @Test func execWithPipes() async throws {
    try await withEngine { engine, image in
      let id = try await engine.run(ContainerSpec(image: image, command: ["sleep", "600"], network: .none))
      let exec = try await engine.createExec(
        id, ExecConfig(command: ["sh", "-c", "cat; echo err >&2; exit 5"], attachStdin: true))
      let session = try await engine.startExec(exec)
      try await session.write(Array("piped\n".utf8))
      await session.closeStdin()
      var out = [UInt8]()
      var err = [UInt8]()
      for await frame in session {
        if frame.stream == .stdout { out += frame.bytes } else { err += frame.bytes }
      }
      #expect(String(decoding: out, as: UTF8.self) == "piped\n")
      #expect(String(decoding: err, as: UTF8.self) == "err\n")
      #expect(await session.exitCode() == 5)
      await #expect(throws: EngineError.self) { try await engine.startExec(exec) }

      // Stdin written after the process ended: an error (EPIPE), never a SIGPIPE that would end this process.
      let done = try await engine.startExec(
        try await engine.createExec(id, ExecConfig(command: ["true"], attachStdin: true)))
      #expect(await done.exitCode() == 0)
      await #expect(throws: EngineError.self) { try await done.write(Array("late\n".utf8)) }
    }
  }

  /// Detached: `startExec` returns while the process runs (inspect says so, with its pid), which ends on its own
  /// with its exit code recorded.
  @Test func execDetachedThenInspect() async throws {
    try await withEngine { engine, image in
      let id = try await engine.run(ContainerSpec(image: image, command: ["sleep", "600"], network: .none))
      // Runs until the test opens the gate /tmp/go: still running when inspected, however slow the machine.
      let exec = try await engine.createExec(
        id, ExecConfig(command: ["sh", "-c", "while [ ! -e /tmp/go ]; do sleep 0.05; done; touch /tmp/done"]))
      #expect(try await engine.inspectExec(exec).started == false)
      let session = try await engine.startExec(exec, detach: true)
      let running = try await engine.inspectExec(exec)
      #expect(running.running && running.pid > 0 && running.exitCode == nil)
      let gate = try await engine.startExec(try await engine.createExec(id, ExecConfig(command: ["touch", "/tmp/go"])))
      #expect(await gate.exitCode() == 0)
      #expect(await session.exitCode() == 0)
      let ended = try await engine.inspectExec(exec)
      #expect(!ended.running && ended.exitCode == 0 && ended.pid == 0)
      let check = try await engine.startExec(
        try await engine.createExec(id, ExecConfig(command: ["test", "-e", "/tmp/done"])))
      #expect(await check.exitCode() == 0)
      await #expect(throws: EngineError.self) { try await engine.inspectExec("nosuch") }
    }
  }

  /// A session nobody holds any more detaches: a process writing on gets EPIPE, as in a shell pipeline whose reader
  /// left, instead of filling the embedder's memory or writing forever.
  @Test func aDroppedSessionLetsTheProcessGo() async throws {
    try await withEngine { engine, image in
      let id = try await engine.run(ContainerSpec(image: image, command: ["sleep", "600"], network: .none))
      let exec = try await engine.createExec(id, ExecConfig(command: ["yes"]))
      do {
        let session = try await engine.startExec(exec)
        var frames = session.makeAsyncIterator()
        #expect(await frames.next()?.bytes.starts(with: Array("y\n".utf8)) == true)
      }
      #expect(try await eventually { try await engine.inspectExec(exec).running == false })
      #expect(try await engine.inspectExec(exec).exitCode == 141, "SIGPIPE")
    }
  }
}
