import ContainerKit

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
    let (frames, continuation) = AsyncStream.makeStream(of: OutputFrame.self)
    let core = AttachSession.Core(channel: channel, stdin: stdin && record.config.openStdin, detachKeys: keys)
    Task { core.finish(await BlockingCall.run { channel.pump(into: continuation) }) }
    return AttachSession(tty: record.config.tty, frames: frames, core: core)
  }
}
