import Synchronization

/// The execs an engine created, kept in its memory as Docker's daemon keeps them: an exec is an ID for an embedder
/// between `createExec`, `startExec` and `inspectExec`, not state on disk. Shared by the copies of a
/// `LibraryEngine` value.
final class ExecRegistry: Sendable {
  let execs = Mutex<[String: ExecInspect]>([:])

  /// Records a new exec, and forgets the ended ones of containers that no longer exist (`exists` says which do),
  /// as Docker's daemon drops a container's execs with it: a long-lived embedder's registry does not grow without
  /// bound.
  func add(_ exec: ExecInspect, exists: (String) -> Bool) {
    execs.withLock { execs in
      let ended = Set(execs.values.filter { !$0.running && $0.started }.map(\.containerID))
      let gone = ended.filter { !exists($0) }
      if !gone.isEmpty { execs = execs.filter { !gone.contains($0.value.containerID) || $0.value.running } }
      execs[exec.id] = exec
    }
  }

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
