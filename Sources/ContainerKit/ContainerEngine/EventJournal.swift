import Foundation
import LinuxSystem
import OCI

/// The engine's events, appended as JSON lines to `events.log` in the state root: every process on the root (ckit,
/// an embedder, a monitor's exit command) writes there, and every reader (`ContainerEngine.events`) tails it, so
/// each sees the others' events without a daemon.
///
/// Bounded: past `limit` bytes the file becomes `events.log.1` (the one before is dropped), so the journal holds
/// between one and two generations, thousands of events, as Docker keeps its last ones in memory.
/// Each event is one `write` on an `O_APPEND` descriptor: concurrent writers never interleave inside a line.
/// Recording never fails the operation it reports: an event that cannot be written is lost, not an error.
package struct EventJournal: Sendable {
  package let path: String
  /// Bytes after which the current file is rotated.
  package let limit: Int

  package init(root: StateRoot, limit: Int = 1 << 20) {
    path = root.path + "/events.log"
    self.limit = limit
  }

  /// The previous generation.
  package var previousPath: String { path + ".1" }

  /// Appends `event`.
  package func record(_ event: EngineEvent) {
    guard var line = try? Self.encoder.encode(event) else { return }
    line.append(UInt8(ascii: "\n"))
    let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
    guard fd >= 0 else { return }
    defer { close(fd) }
    let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    var st = stat()
    guard written == line.count, fstat(fd, &st) == 0, Int(st.st_size) > limit else { return }
    // One writer rotates (the others go on appending to whichever file they opened, and readers drain the old
    // file before they follow the new one); the lock is never waited for.
    guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { return }
    var now = stat()
    if stat(path, &now) == 0, now.st_ino == st.st_ino { rename(path, previousPath) }
  }

  /// Appends an event about `type` object `id`, happening now.
  package func record(_ type: EngineEvent.ObjectType, _ action: String, id: String, attributes: [String: String] = [:])
  {
    record(EngineEvent(type: type, action: action, actor: .init(id: id, attributes: attributes)))
  }

  /// Appends a container event: Docker's attributes (`name`, `image`, the container's labels) and `extra`.
  package func container(_ action: String, _ record: ContainerRecord, _ extra: [String: String] = [:]) {
    var attributes = record.config.labels
    attributes["name"] = record.name
    attributes["image"] = record.image
    attributes.merge(extra) { $1 }
    self.record(.container, action, id: record.id, attributes: attributes)
  }

  /// Appends an image event; `name` (a reference) is the actor's `name` attribute, as Docker sets it.
  package func image(_ action: String, id: String, name: String? = nil) {
    record(.image, action, id: id, attributes: name.map { ["name": $0] } ?? [:])
  }

  /// `reference` without its tag or digest: the `name` attribute of Docker's pull and push events.
  package static func repository(_ reference: String) -> String {
    var r = reference
    if let at = r.firstIndex(of: "@") { r = String(r[..<at]) }
    if let colon = r.lastIndex(of: ":"), !r[colon...].contains("/") { r = String(r[..<colon]) }
    return r
  }

  /// Records the end of the container's last run (`die`, with its exit code) once, however many of the engine's
  /// paths notice it (the monitor's exit command, `wait`, `stop`, `rm`, the sweep, a later `start`): the run is
  /// named by its monitor and start time, kept in the container's directory. Called under the container's lock.
  package func recordDie(_ record: ContainerRecord, root: StateRoot, monitor: MonitorState?) {
    guard let monitor, monitor.MonitorPid > 0 else { return }
    let marker = root.containerDir(record.id) + "/died"
    let run = "\(monitor.MonitorPid) \(monitor.StartedAt)"
    if SystemFile.read(marker) == run { return }
    // Foundation's atomic write was most of this function's CPU; nothing is lost with the container if it is not
    // flushed (a run the host's crash ends has no later run to be confused with).
    guard (try? StateFile.replace(marker, with: Data(run.utf8), durable: false)) != nil else { return }
    container("die", record, ["exitCode": String(monitor.ExitCode)])
  }

  /// The exit code of the last `die` of container `id` the journal keeps from `since` on: what `wait` answers for
  /// a container removed with its monitor's file before it could read it (a `--rm` container's exit command
  /// journals the `die` before it removes the container).
  package func lastExitCode(of id: String, since: Date) -> Int32? {
    let from = Int64(since.timeIntervalSince1970 * 1e9)
    let die = all().last {
      $0.type == .container && $0.action == "die" && $0.actor.id == id && $0.timeNano >= from
    }
    return die?.actor.attributes["exitCode"].flatMap { Int32($0) }
  }

  /// Every event kept, oldest first.
  package func all() -> [EngineEvent] {
    [previousPath, path].flatMap { p in
      guard let data = FileManager.default.contents(atPath: p) else { return [EngineEvent]() }
      return Self.decode(lines: data[...]).events
    }
  }

  /// The events in the complete lines of `data`, and the bytes of an incomplete last line (a write in progress).
  static func decode(lines data: Data.SubSequence) -> (events: [EngineEvent], rest: Data.SubSequence) {
    var events = [EngineEvent]()
    var start = data.startIndex
    while let nl = data[start...].firstIndex(of: UInt8(ascii: "\n")) {
      if let e = try? JSONDecoder().decode(EngineEvent.self, from: data[start..<nl]) { events.append(e) }
      start = data.index(after: nl)
    }
    return (events, data[start...])
  }

  static let encoder: JSONEncoder = {
    let e = JSONEncoder()
    e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return e
  }()
}
