import ContainerKit
import OCI

#if canImport(Glibc)
  import Glibc
#endif

/// What `create` and `run` were asked for, however the arguments were parsed (``FastPath`` or ArgumentParser).
struct CreateRequest {
  var bundle = "."
  var pidFile: String?
  var consoleSocket: String?
  var id = ""

  /// `inProcessStart` for `run`, which starts the container itself: no exec fifo.
  func create(inProcessStart: Bool = false) async throws -> Container {
    // Made absolute by the runtime (without URL, whose path standardizing cost more than the rest of this).
    // Without a console socket the runtime reads config.json itself (once, keeping its bytes for the state file);
    // with one, whether the program wants a terminal decides the stdio first.
    var io = ProcessIO.inherit
    var spec: Spec? = nil
    if consoleSocket != nil {
      let loaded = try ContainerRuntime.loadSpec(bundle: bundle)
      if loaded.process?.terminal ?? false { io = .terminal() }
      spec = loaded
    }
    let c = try await creatingRuntime.create(
      id: id, bundle: bundle, spec: spec, io: io, inProcessStart: inProcessStart)
    if let consoleSocket, let master = c.streams.terminal {
      try Console.send(master, to: consoleSocket)
      close(master)
    }
    if let pidFile { try PidFile.write(c.pid, to: pidFile) }
    return c
  }

  /// `run`: create, start, wait and delete; the exit status is the program's (128+n for a signal).
  func run(detach: Bool) async throws {
    let c = try await create(inProcessStart: true)
    try await c.startOrDelete()
    if detach { return }
    let status = await c.wait()
    try await c.delete(force: true)
    throw RuntimeExit(status: status.shellStatus)
  }
}

/// The status `ckit-runtime` exits with, thrown so that deferred cleanup runs first.
struct RuntimeExit: Error {
  var status: Int32
}
