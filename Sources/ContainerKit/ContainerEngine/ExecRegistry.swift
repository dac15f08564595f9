import Synchronization

/// The execs an engine created, kept in its memory as Docker's daemon keeps them: an exec is an ID for an embedder
/// between `createExec`, `startExec` and `inspectExec`, not state on disk. Shared by the copies of a
/// `LibraryEngine` value.
final class ExecRegistry: Sendable {
  let execs = Mutex<[String: ExecInspect]>([:])

  /// Records a new exec and returns it.
  func add(_ exec: ExecInspect) { execs.withLock { $0[exec.id] = exec } }

  /// The exec `id`, or `noSuchExec`'s error (Docker's words).
  func get(_ id: String) throws(EngineError) -> ExecInspect {
    guard let exec = execs.withLock({ $0[id] }) else { throw .invalidArgument("No such exec instance: \(id)") }
    return exec
  }

  /// Changes exec `id` in place.
  func update(_ id: String, _ change: (inout ExecInspect) -> Void) {
    execs.withLock { if var e = $0[id] { change(&e); $0[id] = e } }
  }

  /// Marks `id` started, failing when it already was (Docker's conflict).
  func markStarted(_ id: String) throws(EngineError) -> ExecInspect {
    let result = execs.withLock { execs -> ExecInspect? in
      guard var e = execs[id], !e.started else { return nil }
      e.started = true
      e.running = true
      execs[id] = e
      return e
    }
    guard let result else {
      _ = try get(id)
      throw .invalidArgument("Error: Exec command \(id) has already run")
    }
    return result
  }
}
