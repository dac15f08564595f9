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
  /// Where the engine keeps its state and finds its runtime and monitor.
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

  /// Creates a container (its record; no process, no filesystem yet), pulling the image if the store lacks it.
  /// The spec is checked first, as docker checks its flags: a bad one never pulls. Returns the container's ID.
  public func create(_ spec: ContainerSpec) async throws(EngineError) -> String {
    let id = ContainerStore.newID()
    _ = try spec.record(id: id, imageID: "", defaults: ImageDefaults(cmd: ["sh"]))
    return try await mapped("create \(spec.image)") {
      try ImageReferenceText.validate(spec.image)
      if let name = spec.name, let other = try? store.find(name), other.name == name {
        throw EngineError.nameInUse(name: name, id: other.id)
      }
      let image: ImageInfo
      do { image = try await engine.image(spec.image) } catch EngineError.noSuchImage {
        image = try await engine.pull(spec.image)
      }
      var record = try spec.record(id: id, imageID: image.id, defaults: image.defaults)
      // A drawn name that is taken is drawn again, with a digit added after the first tries, as docker does:
      // there are about 1,300 names and a thousand containers.
      for attempt in 0..<20 {
        do {
          let (store, made) = (store, record)
          try await Lifecycle.offPool { try store.create(made) }
          return record.id
        } catch EngineError.nameInUse where spec.name == nil && attempt < 19 {
          record.name = NameGenerator.random() + (attempt >= 3 ? String(Int.random(in: 0...99)) : "")
        }
      }
      return record.id
    }
  }

  /// Starts a created or exited container, detached; returns once its process runs (or has failed to start:
  /// `startFailed` carries docker's exit code, 125, 126 or 127, and the runtime's words). A running one is left
  /// as it is.
  public func start(_ reference: String) async throws(EngineError) {
    try await mapped("start \(reference)") {
      let record = try store.find(reference)
      do { _ = try await lifecycle.start(record.id, foreground: nil) } catch let failure as StartFailure {
        throw EngineError.startFailed(id: record.id, code: failure.code, message: failure.message)
      }
    }
  }

  /// `create` then `start`: docker's `run -d`. Returns the container's ID.
  public func run(_ spec: ContainerSpec) async throws(EngineError) -> String {
    let id = try await create(spec)
    do { try await start(id) } catch {
      if spec.autoRemove { try? await remove(id, force: true, volumes: true) }
      throw error
    }
    return id
  }

  /// docker inspect of the container `reference` names: a full ID, a name, or a unique ID prefix.
  public func inspect(_ reference: String) async throws(EngineError) -> ContainerInspect {
    try await mapped("inspect \(reference)") {
      let record = try store.find(reference)
      return ContainerInspect(record, store.status(record), root: root)
    }
  }

  /// docker ps: the containers, newest first. Without `all`, only running ones, unless a `status` or `exited`
  /// filter asks for others. `filters` are docker's (`id`, `name`, `label` (`key` or `key=value`), `status`,
  /// `exited`, `ancestor`, `before`, `since`, `volume`, `network`, `publish`, `expose`): the values of one key are
  /// alternatives, different keys must all match. `limit` keeps the newest ones, in every state (`ps -n`).
  /// `all` is true unless told otherwise, unlike docker's CLI: an embedder mostly wants every container.
  public func list(all: Bool = true, filters: [String: [String]] = [:], limit: Int? = nil)
    async throws(EngineError) -> [ContainerInfo]
  {
    try await mapped("list containers") {
      let filter = try ContainerFilter(filters, store: store)
      let limit = limit.flatMap { $0 >= 0 ? $0 : nil }
      let runningOnly = limit == nil && !all && !filter.hasStatus
      var infos = [ContainerInfo]()
      store.forEachWithStatus { record, status in
        guard infos.count < limit ?? .max, filter.matches(record, status), !runningOnly || status.isRunning else {
          return
        }
        infos.append(ContainerInfo(record, status))
      }
      return infos
    }
  }

  /// docker wait: blocks until the container reaches `condition`, and returns its last exit code.
  /// `.notRunning` (the default) waits until it has stopped for good (its monitor is gone: under a restart policy,
  /// after the last restart or a stop) and releases its network and runtime state; a `--rm` container is removed
  /// by then. `.nextExit` returns at its next exit, a restart's included. `.removed` waits until it is removed.
  public func wait(_ reference: String, condition: ContainerWaitCondition = .notRunning)
    async throws(EngineError) -> Int32
  {
    try await mapped("wait \(reference)") {
      let asked = Date()
      let record = try store.find(reference)
      switch condition {
      case .notRunning:
        return try await waitNotRunning(record, asked: asked)
      case .nextExit:
        // An exit is a FinishedAt other than the one at the call (the monitor writes one at every exit, restarts
        // included; a new monitor starts with none), or a monitor found dead without having written it (kill -9:
        // exited 137). Compared as written, not against this process's clock. As docker's, it waits for an exit
        // after the call: one that came before (a run that ended while the caller was busy) is not the next.
        // A running container's end wakes the wait at once (the pidfd of its process; the monitor writes the exit
        // right after it). Otherwise the file is read again after a pause that starts at 2 ms and doubles:
        // `docker run` asks for this wait before it starts the container, and a fixed 50 ms made it wait ~25 ms
        // for nothing.
        let before = store.monitorState(record.id)?.FinishedAt
        var pause: UInt64 = 2_000_000
        var ended: Int32 = 0
        while true {
          guard FileManager.default.fileExists(atPath: root.recordPath(record.id)) else {
            // Removed meanwhile: by a `--rm` container's exit command, which journaled the exit first.
            if let code = journal.lastExitCode(of: record.id, since: asked) { return code }
            throw EngineError.noSuchContainer(reference)
          }
          let (now, status) = store.statusAndMonitor(record)
          if let now,
            (now.FinishedAt != before && Self.isExitTime(now.FinishedAt))
              || (!status.isRunning && now.Status != "exited")
          {
            if !status.isRunning { try await lifecycle.cleanup(record, removeIfAuto: true) }
            return status.isRunning ? now.ExitCode : status.exitCode
          }
          if let now, status.isRunning, now.Pid > 0, now.Pid != ended {
            if await MonitorWatch.waitForExit(now.Pid, timeout: 0.05) {
              ended = now.Pid
              pause = 1_000_000
            }
          } else {
            try await Task.sleep(nanoseconds: pause)
            // At most 8 ms before a first start (`docker run`'s start comes within tens of milliseconds), 50 after.
            pause = min(2 * pause, now == nil ? 8_000_000 : 50_000_000)
          }
        }
      case .removed:
        let code = try await waitNotRunning(record, asked: asked)
        while FileManager.default.fileExists(atPath: root.recordPath(record.id)) {
          try await Task.sleep(nanoseconds: 50_000_000)
        }
        return code
      }
    }
  }

  /// Whether a monitor's `FinishedAt` names an exit (a run's end), not the zero time of a run still going.
  private static func isExitTime(_ text: String) -> Bool {
    RFC3339.parse(text).map { $0.timeIntervalSince1970 > 0 } ?? false
  }

  /// `.notRunning`: the monitor's end (its pidfd), then the cleanup it leaves to the engine. The monitor writes the
  /// exit code to its file before it ends; a `--rm` container's exit command, which the monitor starts as it ends,
  /// may have removed the container and that file by the time it is read, and then the code is the one the
  /// command's cleanup journaled with the `die` event. (The code was read every 20 ms while the monitor lived:
  /// `docker run --rm` waited 10 ms on average for the turn after the end.)
  private func waitNotRunning(_ record: ContainerRecord, asked: Date) async throws -> Int32 {
    let status = store.status(record)
    var code = status.exitCode
    if status.isRunning, status.monitorPid > 0 {
      _ = await MonitorWatch.waitForExit(status.monitorPid, timeout: nil)
      let (monitor, now) = store.statusAndMonitor(record)
      if monitor?.MonitorPid == status.monitorPid {
        code = now.exitCode
      } else if let died = journal.lastExitCode(of: record.id, since: asked) {
        code = died
      }
    }
    try await lifecycle.cleanup(record, removeIfAuto: true)
    return code
  }

  /// docker stop: the container's stop signal, `timeout` seconds, then SIGKILL; no restart follows. A container
  /// that is not running is left as it is.
  public func stop(_ reference: String, timeout: Int = 10) async throws(EngineError) {
    try await mapped("stop \(reference)") { try await lifecycle.stop(try store.find(reference), timeout: timeout) }
  }

  /// docker kill: sends `signal` to the container's init (through its monitor, which knows the pid for sure).
  /// After SIGKILL it returns once the container has ended (at most 5 seconds), so that what follows sees it
  /// exited. A number that is no signal is refused here: the monitor could only drop it.
  public func kill(_ reference: String, signal: Int32 = SIGKILL) async throws(EngineError) {
    guard signal > 0, signal < 65 else { throw .invalidArgument("Invalid signal: \(signal)") }
    try await mapped("kill \(reference)") {
      let record = try store.find(reference)
      let status = store.status(record)
      guard status.isRunning, status.monitorPid > 0 else { throw EngineError.containerNotRunning(record.id) }
      MonitorSignal.forward(status.monitorPid, signal: signal)
      journal.container("kill", record, ["signal": String(signal)])
      guard signal == SIGKILL else { return }
      // As docker: a paused container is thawed after SIGKILL, so that its processes can die.
      if status.phase == .paused { try await lifecycle.freeze(record, false) }
      _ = await MonitorWatch.waitForExit(status.monitorPid, timeout: 5)
    }
  }

  /// docker kill with the signal as docker names it: `KILL`, `SIGTERM`, `9`.
  public func kill(_ reference: String, signal: String) async throws(EngineError) {
    try await kill(reference, signal: try ContainerSpec.signal(signal))
  }

  /// docker rm: removes the container and its filesystem; a running one only with `force` (killed first).
  /// `volumes` also removes its anonymous volumes (`-v /data`), as `rm -v` does; named ones stay.
  public func remove(_ reference: String, force: Bool = false, volumes: Bool = false) async throws(EngineError) {
    try await mapped("remove \(reference)") {
      let record = try store.find(reference)
      try await lifecycle.remove(record, force: force)
      if volumes { VolumeStore(root: root).removeAnonymous(of: record) }
    }
  }

  /// Releases what containers whose monitor died (kill -9, reboot) still hold, and thaws the containers a commit
  /// froze whose committing process died before thawing them (`kill -9` mid-commit).
  public func sweep() async { await lifecycle.sweep() }

  /// Runs `body`, passing the engine's errors on and keeping anything else whole as the cause of an
  /// `.underlying` error named by `context` (the operation and its object).
  func mapped<T>(_ context: String = "", _ body: () async throws -> T) async throws(EngineError) -> T {
    do { return try await body() } catch let e as EngineError { throw e } catch let f as StartFailure {
      throw .startFailed(id: "", code: f.code, message: f.message)
    } catch { throw .underlying(context: context, cause: error) }
  }
}
