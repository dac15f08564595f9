import ContainerKit
import Foundation

/// docker-like containers for an embedding program, with no daemon: `run` a detached container, read its logs,
/// stop, wait for and remove it, with restart policies and bridge networking. The `ckit` CLI is this engine's
/// command line; both share the same state root layout, so either can manage the other's containers.
///
/// Each detached container is kept by its own small C monitor (`ckit-monitor`), not by this process: containers
/// outlive the embedder, and the embedder's memory does not grow with them. When a container ends for good, the
/// monitor runs `EngineConfiguration.exitCommand`; without one, this engine releases the container's network and
/// runtime state the next time it looks at it (`wait`, `stop`, `remove`, `start`, `sweep`).
public struct ContainerEngine: Sendable {
  public let configuration: EngineConfiguration
  let engine: LibraryEngine

  var root: StateRoot { engine.root }
  var store: ContainerStore { ContainerStore(root: root) }
  var lifecycle: Lifecycle { Lifecycle(root: root, engine: engine) }

  /// Creates the state root's directories if missing; nothing else runs until a method is called.
  public init(configuration: EngineConfiguration) throws(EngineError) {
    self.configuration = configuration
    engine = LibraryEngine(configuration: configuration)
    do { try StateRoot(configuration.root).prepare() } catch let e as EngineError { throw e } catch {
      throw .state(path: configuration.root, reason: "\(error)")
    }
  }

  /// Pulls `reference` from its registry into the store; returns the image ID.
  @discardableResult
  public func pull(_ reference: String) async throws(EngineError) -> String {
    try await mapped { try await engine.pull(reference).id }
  }

  /// Creates a container (its record; no process, no filesystem yet), pulling the image if the store lacks it.
  /// Returns the container's ID.
  public func create(_ spec: ContainerSpec) async throws(EngineError) -> String {
    try await mapped {
      try ImageReferenceText.validate(spec.image)
      let image: ImageSummary
      do { image = try await engine.image(spec.image) } catch EngineError.noSuchImage {
        image = try await engine.pull(spec.image)
      }
      var record = try spec.record(id: ContainerStore.newID(), imageID: image.id, defaults: image.defaults)
      // A drawn name that is taken is drawn again, with a digit added after the first tries, as docker does:
      // there are about 1,300 names and a thousand containers.
      for attempt in 0..<20 {
        do {
          try store.create(record)
          return record.id
        } catch EngineError.nameInUse where spec.name == nil && attempt < 19 {
          record.name = NameGenerator.random() + (attempt >= 3 ? String(Int.random(in: 0...99)) : "")
        }
      }
      return record.id
    }
  }

  /// Starts a created or exited container, detached; returns once its process runs (or has failed to start).
  public func start(_ id: String) async throws(EngineError) {
    try await mapped {
      let record = try store.find(id)
      do { _ = try await lifecycle.start(record.id, foreground: nil) } catch let failure as StartFailure {
        throw EngineError.startFailed(id: record.id, code: failure.code, message: failure.message)
      }
    }
  }

  /// `create` then `start`: docker's `run -d`. Returns the container's ID.
  public func run(_ spec: ContainerSpec) async throws(EngineError) -> String {
    let id = try await create(spec)
    do { try await start(id) } catch {
      if spec.autoRemove { try? await remove(id, force: true) }
      throw error
    }
    return id
  }

  /// The container `reference` names: a full ID, a name, or a unique ID prefix.
  public func inspect(_ reference: String) async throws(EngineError) -> ContainerInfo {
    try await mapped {
      let record = try store.find(reference)
      return ContainerInfo(record, store.status(record))
    }
  }

  /// Every container of the root, newest first.
  public func list() async throws(EngineError) -> [ContainerInfo] {
    try await mapped { try store.all().map { ContainerInfo($0, store.status($0)) } }
  }

  /// Waits until the container has stopped for good (its monitor is gone: under a restart policy, after the last
  /// restart or a stop), releases its network and runtime state, and returns its last exit code. A `--rm`
  /// container is removed by then.
  public func wait(_ reference: String) async throws(EngineError) -> Int32 {
    try await mapped {
      let record = try store.find(reference)
      let status = store.status(record)
      if status.isRunning, status.monitorPid > 0 {
        _ = await MonitorWatch.waitForExit(status.monitorPid, timeout: nil)
      }
      let code = store.status(record).exitCode
      try await lifecycle.cleanup(record, removeIfAuto: true)
      return code
    }
  }

  /// docker's stop: the container's stop signal, `timeout` seconds, then SIGKILL; no restart follows.
  public func stop(_ reference: String, timeout: Int = 10) async throws(EngineError) {
    try await mapped { try await lifecycle.stop(try store.find(reference), timeout: timeout) }
  }

  /// Sends `signal` to the container's init (through its monitor, which knows the pid for sure). A number that is
  /// no signal is refused here: the monitor could only drop it.
  public func kill(_ reference: String, signal: Int32 = SIGKILL) async throws(EngineError) {
    guard signal > 0, signal < 65 else { throw .invalidArgument("Invalid signal: \(signal)") }
    try await mapped {
      let record = try store.find(reference)
      let status = store.status(record)
      guard status.isRunning, status.monitorPid > 0 else { throw EngineError.containerNotRunning(record.id) }
      MonitorSignal.forward(status.monitorPid, signal: signal)
    }
  }

  /// Removes the container and its filesystem; a running one only with `force` (killed first, as docker's rm -f).
  public func remove(_ reference: String, force: Bool = false) async throws(EngineError) {
    try await mapped { try await lifecycle.remove(try store.find(reference), force: force) }
  }

  /// Releases what containers whose monitor died (kill -9, reboot) still hold.
  public func sweep() async { await lifecycle.sweep() }

  /// Runs `body`, passing the engine's errors on and naming anything else as a backend failure.
  func mapped<T>(_ body: () async throws -> T) async throws(EngineError) -> T {
    do { return try await body() } catch let e as EngineError { throw e } catch let f as StartFailure {
      throw .startFailed(id: "", code: f.code, message: f.message)
    } catch { throw .backend("\(error)") }
  }
}
