import ContainerKit
import OCI
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

extension Sandbox {
  /// Runs `arguments` in the sandbox and waits for it: exit code, stdout, stderr, and whether it was OOM-killed or
  /// timed out. `stdin` is written to its stdin, then closed. A timeout or a cancellation of the calling task
  /// kills the process (and its process group); cancellation then throws ``SandboxError/cancelled``.
  public func run(_ arguments: [String], stdin: [UInt8]? = nil, timeout: Duration? = nil)
    async throws(SandboxError) -> SandboxResult
  {
    let process = try await start(arguments)
    if let stdin {
      Task.detached {
        try? await process.write(stdin)
        process.closeStdin()
      }
    } else {
      process.closeStdin()
    }
    let result = await withTaskCancellationHandler {
      await withTaskGroup(of: Void.self) { group in
        if let timeout {
          group.addTask {
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            process.markTimedOut()
            process.terminate()
          }
        }
        let r = await process.wait()
        group.cancelAll()
        return r
      }
    } onCancel: {
      process.terminate()
    }
    forget(process)
    if Task.isCancelled { throw .cancelled }
    return result
  }

  /// Starts `arguments` in the sandbox and returns at once: stream its output, write its stdin, signal it, wait
  /// for it, or leave it running (a server) until the sandbox is reset or closed.
  public func start(_ arguments: [String]) async throws(SandboxError) -> SandboxProcess {
    guard !arguments.isEmpty else { throw .invalidConfiguration("no program to run") }
    // Counted until the process is registered (or killed): a reset or snapshot waits for it, so that nothing
    // execs into the old root after its last kill pass and writes to an upper directory that becomes a layer.
    let container = try state.withLock { s throws(SandboxError) in
      guard !s.closed, let c = s.container else { throw SandboxError.closed(id: id) }
      s.startsInFlight += 1
      return c
    }
    defer { state.withLock { $0.startsInFlight -= 1 } }
    let c = configuration
    var p = Spec.Process(
      args: arguments, env: environment, cwd: c.workingDirectory,
      user: Spec.User(
        uid: c.user.uid, gid: c.user.gid, additionalGids: c.user.additionalGids.isEmpty ? nil : c.user.additionalGids),
      noNewPrivileges: c.noNewPrivileges)
    p.capabilities = nil
    let process = p
    let cgroups = container.runtime.cgroups
    let path = container.cgroupPath
    let oomCount: @Sendable () -> Int = {
      guard let cgroups, let path else { return 0 }
      return (try? cgroups.oomKillCount(path)) ?? 0
    }
    let oomBefore = oomCount()
    let exec: ContainerProcess
    do { exec = try await container.exec(process, io: .pipes) } catch {
      throw .runtime(operation: "run \(arguments[0]) in sandbox \(id)", cause: error)
    }
    let handle = try SandboxProcess(process: exec, sandboxID: id, oomBefore: oomBefore, oomCount: oomCount)
    let closed = state.withLock { s in
      if !s.closed && s.container === container { s.processes[handle.pid] = handle }
      return s.closed || s.container !== container
    }
    if closed {
      handle.terminate()
      _ = await handle.exitStatus()
      throw .closed(id: id)
    }
    return handle
  }

  /// Drops a process that has been waited for from those the sandbox kills on reset and close.
  func forget(_ process: SandboxProcess) {
    state.withLock { _ = $0.processes.removeValue(forKey: process.pid) }
  }
}
