import CContainerKit
import ContainerKit
import Foundation
import LinuxSystem

extension ContainerEngine {
  /// Creates an exec in the running container `reference` (Docker's `POST /containers/{id}/exec`): nothing runs
  /// until `startExec`. Returns the exec's ID, which this engine value and its copies know.
  public func createExec(_ reference: String, _ config: ExecConfig) async throws(EngineError) -> String {
    guard !config.command.isEmpty else { throw .invalidArgument("No exec command specified") }
    _ = try DetachKeys.parse(config.detachKeys)
    let record = try await runningRecord(reference)
    let id = ContainerStore.newID()
    let root = self.root
    engine.execs.add(
      ExecInspect(
        id: id, containerID: record.id, running: false, exitCode: nil, pid: 0, processConfig: config, started: false)
    ) { FileManager.default.fileExists(atPath: root.containerDir($0)) }
    return id
  }

  /// Starts exec `id` and returns its session: the output as frames (one stream with a tty), stdin when the
  /// config attaches it, `resize` with a tty, and the exit code. With `detach`, the process gets /dev/null for its
  /// stdio and the session has no frames; its `exitCode()` still waits for the end. Returns once the process runs
  /// (or its runtime has failed, whose message is then in the frames and its code the exit code).
  /// `consoleSize`, with a tty, is the terminal's size from the start (Docker's `ConsoleSize` of exec start, which
  /// overrides the create's): the process's first `TIOCGWINSZ` already sees it.
  @discardableResult
  public func startExec(
    _ id: String, detach: Bool = false, consoleSize: TerminalSize? = nil
  ) async throws(EngineError) -> AttachSession {
    let exec = try engine.execs.markStarted(id)
    var config = exec.processConfig
    if let consoleSize { config.consoleSize = consoleSize }
    let tty = config.tty && !detach
    let consoleSocket = tty ? root.run + "/exec-\(id.prefix(12)).sock" : nil
    var listener: Int32? = nil
    defer {
      if let listener { close(listener) }
      if let consoleSocket { unlink(consoleSocket) }
    }
    let record: ContainerRecord
    let pidFile: String
    let ends: ExecStdio.Ends
    do {
      record = try await runningRecord(exec.containerID)
      pidFile = root.containerDir(record.id) + "/exec-\(id.prefix(12)).pid"
      if let consoleSocket { listener = try UnixSocket.listen(consoleSocket) }
      let argv = try await mapped {
        try await engine.execArguments(record, config, pidFile: pidFile, consoleSocket: consoleSocket)
      }
      ends = try (detach ? ExecStdio.null : tty ? .terminal : .pipes(stdin: config.attachStdin)).spawn(argv)
    } catch {
      engine.execs.update(id) { $0.running = false }
      throw error
    }
    let runtime = ends.pid
    let master: Int32? =
      if let listener { await BlockingCall.run { ExecStdio.receiveTerminal(listener, runtime: runtime) } } else { nil }
    // At once, before the process is likely to ask (the runtime hands the master over once the process runs).
    if let master, let size = config.consoleSize { _ = ck_set_winsize(master, size.rows, size.columns) }
    let (frames, continuation) = OutputFrame.makeStream()
    let channel = PipeChannel(
      input: master.map { dup($0) } ?? ends.stdin, terminal: master, continuation: continuation)
    let keys = try DetachKeys.parse(config.detachKeys)
    let core = AttachSession.Core(channel: channel, stdin: config.attachStdin && !detach, detachKeys: keys)
    let execs = engine.execs
    Task { [weak core] in
      // All the output, as docker exec: until every holder of the pipes (the process's children too) is gone.
      async let out: Void = channel.pump(ends.stdout, .stdout)
      async let err: Void = channel.pump(ends.stderr, .stderr)
      async let pty: Void = channel.pump(master, .stdout)
      let status = await BlockingCall.run { ExecStdio.wait(runtime) }
      execs.update(id) {
        $0.running = false
        $0.exitCode = status
        $0.pid = 0
      }
      try? FileManager.default.removeItem(atPath: pidFile)
      _ = await (out, err, pty)
      continuation.finish()
      core?.finish(status)
    }
    // The process runs once the runtime wrote its pid (or the runtime is gone): a detached `touch` is then under
    // way when this returns, as with `runc exec -d`.
    while execs.execs.withLock({ $0[id]?.running }) == true {
      if let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
        let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0
      {
        execs.update(id) { if $0.running { $0.pid = pid } }
        break
      }
      try? await Task.sleep(nanoseconds: 2_000_000)
    }
    return AttachSession(tty: tty, frames: frames, core: core)
  }

  /// Exec `id` now: running or not, its exit code, pid and config (Docker's `GET /exec/{id}/json`).
  public func inspectExec(_ id: String) async throws(EngineError) -> ExecInspect { try engine.execs.get(id) }

  /// The record of `reference` when its container runs and is not paused: what exec needs (Docker's words).
  func runningRecord(_ reference: String) async throws(EngineError) -> ContainerRecord {
    let (record, status) = try await mapped {
      let record = try store.find(reference)
      return (record, store.status(record))
    }
    guard status.isRunning else { throw .containerNotRunning(record.id) }
    if status.phase == .paused { throw .containerPaused(record.id) }
    return record
  }
}
