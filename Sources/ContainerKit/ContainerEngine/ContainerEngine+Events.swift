import Foundation

extension ContainerEngine {
  /// The events of this engine's state root (Docker's `GET /events`): those kept from `since` on (by default,
  /// from now; with `until` and no `since`, every one kept), then new ones as any process on the root records
  /// them, until `until` (by default, until the consuming task is cancelled). Only events that pass `filters` are
  /// returned.
  ///
  /// Recorded: container `create`, `start`, `die` (with `exitCode`; once per run, when the engine learns of the
  /// end: the monitor's exit command, `wait`, `stop`, `remove`, `sweep`), `kill`, `stop`, `destroy`, `commit` (and `pause`, `unpause`, `rename` where the engine does them);
  /// image `pull`, `push`, `tag`, `untag`, `delete`, `import`, `load`, `save`; volume `create`, `destroy`.
  public func events(since: Date? = nil, until: Date? = nil, filters: EventFilter = EventFilter())
    -> EngineEvents
  {
    EngineEvents(
      journal: journal, start: since == nil && until == nil ? journal.end() : nil,
      since: since.map(Self.nanoseconds) ?? (until == nil ? EngineEvent.nowNano() : .min),
      until: until.map(Self.nanoseconds) ?? .max, filter: filters, interval: .milliseconds(50))
  }

  /// The journal where the engine's operations record their events.
  var journal: EventJournal { EventJournal(root: root) }

  static func nanoseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1e9).rounded()) }
}
