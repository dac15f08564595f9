import ContainerEngine
import Foundation
import TestSupport
import Testing

/// attach through the public API: stdin in, output out, detach keys, resize, exit code.
@Suite(.enabled(if: isRoot, "requires root")) struct AttachAPITests {
  /// Docker's ctrl-p ctrl-q detaches: what came before goes to the container, what comes after does not, and the
  /// container runs on; a second attach sees it end with its code.
  @Test func attachWithStdinAndDetachKeys() async throws {
    try await withEngine { engine, image in
      var spec = ContainerSpec(
        image: image,
        command: ["sh", "-c", "while read l; do [ \"$l\" = quit ] && exit 7; echo seen-$l; done"], network: .none)
      spec.openStdin = true
      let id = try await engine.run(spec)
      let first = try await engine.attach(id)
      #expect(first.acceptsStdin)
      var frames = first.makeAsyncIterator()
      try await first.write(Array("one\n".utf8))
      #expect(await AttachSession.read(&frames) { $0.contains("seen-one") }.contains("seen-one"))
      try await first.write([16, 17] + Array("two\n".utf8))
      _ = await AttachSession.read(&frames)
      #expect(first.isDetached)
      #expect(await first.exitCode() == nil)
      #expect(try await engine.inspect(id).state.running)

      let second = try await engine.attach(id)
      try await second.write(Array("three\nquit\n".utf8))
      var rest = second.makeAsyncIterator()
      let text = await AttachSession.read(&rest)
      #expect(text == "seen-three\n")
      #expect(await second.exitCode() == 7)
      #expect(try await engine.wait(id) == 7)
    }
  }

  /// A tty container: a resize through the session reaches its terminal (`stty size`).
  @Test func attachResizesATty() async throws {
    try await withEngine { engine, image in
      var spec = ContainerSpec.shell(image, "read x; stty size; sleep 600")
      spec.openStdin = true
      spec.tty = true
      let id = try await engine.run(spec)
      let session = try await engine.attach(id, detachKeys: "ctrl-x")
      #expect(session.tty)
      try await session.resize(TerminalSize(rows: 21, columns: 71))
      try await session.write(Array("go\n".utf8))
      var frames = session.makeAsyncIterator()
      let text = await AttachSession.read(&frames) { $0.contains("21 71") }
      #expect(text.contains("21 71"), "\(text)")
      try await session.write([24])
      #expect(await session.exitCode() == nil)
      await #expect(throws: EngineError.invalidArgument("Invalid detach keys (ctrl-) provided")) {
        try await engine.attach(id, detachKeys: "ctrl-")
      }
    }
  }

  /// A foreground run: stdin in and output out from the first byte, the exit code, and an `autoRemove`
  /// container gone by the end; a command that cannot start ends with Docker's 127 and the runtime's words.
  @Test func startAttachedRunsInTheForeground() async throws {
    try await withEngine { engine, image in
      var spec = ContainerSpec(
        image: image, command: ["sh", "-c", "echo hello; read x; echo got-$x >&2; exit 4"], network: .none,
        autoRemove: true)
      spec.openStdin = true
      let id = try await engine.create(spec)
      let session = try await engine.startAttached(id, stdin: true)
      try await session.write(Array("in\n".utf8))
      await session.closeStdin()
      var out = ""
      var err = ""
      for await frame in session {
        let text = String(decoding: frame.bytes, as: UTF8.self)
        if frame.stream == .stdout { out += text } else { err += text }
      }
      #expect(out == "hello\n" && err == "got-in\n")
      #expect(await session.exitCode() == 4)
      await #expect(throws: EngineError.noSuchContainer(id)) { try await engine.inspect(id) }

      let missing = try await engine.create(
        ContainerSpec(image: image, command: ["/no/such/program"], network: .none))
      let failed = try await engine.startAttached(missing)
      var words = ""
      for await frame in failed { words += String(decoding: frame.bytes, as: UTF8.self) }
      #expect(await failed.exitCode() == 127)
      #expect(words.lowercased().contains("no such file") || words.contains("not found"), "\(words)")
    }
  }
}
