import ContainerKit
import Foundation
import LinuxSystem

extension ContainerEngine {
  /// Joins the running container's stdio, as `docker attach`: its output from now on (frames as its monitor relays
  /// them; raw terminal bytes with a tty), its stdin when the container keeps one open (`openStdin`) and `stdin` is
  /// asked for, and its exit code when it ends. `detachKeys` is Docker's spelling (`ctrl-p,ctrl-q` when nil or
  /// empty). The container runs on when the session detaches or is dropped.
  public func attach(_ reference: String, stdin: Bool = true, detachKeys: String? = nil) async throws(EngineError)
    -> AttachSession
  {
    let keys = try DetachKeys.parse(detachKeys)
    let (record, status) = try await mapped {
      let record = try store.find(reference)
      return (record, store.status(record))
    }
    guard status.isRunning, status.monitorPid > 0 else {
      throw .invalidArgument("You cannot attach to a stopped container, start it first")
    }
    let channel = try MonitorChannel(socket: root.attachSocket(record.id), monitorPid: status.monitorPid)
    let (frames, continuation) = OutputFrame.makeStream()
    let core = AttachSession.Core(channel: channel, stdin: stdin && record.config.openStdin, detachKeys: keys)
    Task { [weak core] in
      let code = await BlockingCall.run { channel.pump(into: continuation) }
      core?.finish(code)
    }
    return AttachSession(tty: record.config.tty, frames: frames, core: core)
  }
}

extension ContainerEngine {
  /// Starts a created or exited container with its stdio joined to the returned session, as `docker run` without
  /// `-d` and `docker start -a` do: its output from the first byte, `stdin` when asked for, the terminal at
  /// `ttySize` from the start with a tty, and its exit code; its network and (for `autoRemove`) the container
  /// itself are released when it ends. A process that cannot start ends the session with Docker's code (125, 126,
  /// 127) after the runtime's message on stderr. A container already running is attached to instead.
  public func startAttached(
    _ reference: String, stdin: Bool = false, detachKeys: String? = nil,
    ttySize: TerminalSize? = nil
  ) async throws(EngineError) -> AttachSession {
    let keys = try DetachKeys.parse(detachKeys)
    let record = try await mapped { try store.find(reference) }
    let out: (read: Int32, write: Int32)
    let err: (read: Int32, write: Int32)
    let input: (read: Int32, write: Int32)?
    do throws(ContainerError) {
      out = try ProcessIO.makePipe()
      err = try ProcessIO.makePipe()
      input = stdin ? try ProcessIO.makePipe() : nil
    } catch {
      throw .underlying(context: "start \(record.shortID): stdio", cause: error)
    }
    let theirs = [out.write, err.write] + (input.map { [$0.read] } ?? [])
    let ours = [out.read, err.read] + (input.map { [$0.write] } ?? [])
    let foreground = Lifecycle.Foreground(
      stdin: input?.read, stdout: out.write, stderr: err.write,
      ttySize: record.config.tty ? ttySize.map { ($0.rows, $0.columns) } : nil)
    var failed: Int32? = nil
    var monitor: pid_t = 0
    var sync: Int32 = -1
    do {
      (monitor, sync) = try await lifecycle.start(record.id, foreground: foreground)
    } catch let failure as StartFailure {
      failed = failure.code
    } catch {
      for fd in theirs + ours { close(fd) }
      if let error = error as? EngineError { throw error }
      throw .underlying(context: "start \(record.shortID)", cause: error)
    }
    for fd in theirs { close(fd) }
    if failed == nil, sync < 0 {
      for fd in ours { close(fd) }
      return try await attach(record.id, stdin: stdin, detachKeys: detachKeys)
    }
    let (frames, continuation) = OutputFrame.makeStream()
    let channel = PipeChannel(input: input?.write, terminal: nil, monitorPid: monitor, continuation: continuation)
    let core = AttachSession.Core(channel: channel, stdin: stdin, detachKeys: keys)
    let lifecycle = self.lifecycle
    let (syncFD, monitorPid) = (sync, monitor)
    Task { [weak core] in
      async let stdout: Void = channel.pump(out.read, .stdout)
      async let stderr: Void = channel.pump(err.read, .stderr)
      var code = failed ?? 125
      if failed == nil {
        // The monitor's `exit CODE` line, then the monitor itself (our child in the foreground).
        code = await BlockingCall.run {
          var code: Int32 = 125
          while let line = MonitorLauncher.readLine(syncFD) {
            if line.hasPrefix("exit "), let c = Int32(line.dropFirst(5)) { code = c }
          }
          close(syncFD)
          return code
        }
        // The monitor itself, our child: reaped through its pidfd, no thread held while it finishes.
        _ = await ProcessExit(pid: monitorPid, reaps: true).wait()
      }
      _ = await (stdout, stderr)
      let latest = (try? lifecycle.store.load(id: record.id)) ?? record
      try? await lifecycle.cleanup(latest, removeIfAuto: true)
      continuation.finish()
      core?.finish(code)
    }
    return AttachSession(tty: record.config.tty, frames: frames, core: core)
  }
}
