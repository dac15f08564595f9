import Foundation
import LinuxSystem

/// The events of a state root as an `AsyncSequence`: the kept ones since a time, then the new ones as they are
/// recorded, by any process, until a time (or until the consuming task is cancelled). Made by
/// `ContainerEngine.events(since:until:filters:)`.
///
/// New events are found by reading the journal's file on from where the last read ended, every `interval`: a
/// read of a regular file and a `stat`, which never block the concurrency pool, and a `Task.sleep` between them.
public struct EngineEvents: AsyncSequence, Sendable {
  /// An event.
  public typealias Element = EngineEvent
  /// The sequence ends, it never fails: a journal that cannot be read has no events.
  public typealias Failure = Never

  let journal: EventJournal
  /// Where reading starts: the journal's end when the sequence was made, for live events only (no kept event is
  /// read and decoded just to be skipped); nil: its oldest event.
  let start: JournalPosition?
  /// Nanoseconds since 1970: the first and last times of the events returned.
  let since: Int64
  let until: Int64
  let filter: EventFilter
  /// How long the iterator sleeps when the journal has nothing new.
  let interval: Duration

  /// Iterates the events.
  public func makeAsyncIterator() -> Iterator {
    Iterator(tail: JournalTail(journal: journal, from: start), sequence: self)
  }

  /// Reads the journal for one consumer.
  public struct Iterator: AsyncIteratorProtocol {
    let tail: JournalTail
    let sequence: EngineEvents
    var pending: [EngineEvent] = []
    var next = 0

    /// The next event that passes the filter and the times; nil once `until` has passed or the task is cancelled.
    public mutating func next() async -> EngineEvent? {
      let (since, until) = (sequence.since, sequence.until)
      while true {
        if next < pending.count {
          let e = pending[next]
          next += 1
          if e.timeNano > until { return nil }
          if e.timeNano >= since, sequence.filter.matches(e) { return e }
          continue
        }
        (pending, next) = (tail.read(), 0)
        if !pending.isEmpty { continue }
        if Task.isCancelled || EngineEvent.nowNano() > until { return nil }
        try? await Task.sleep(for: sequence.interval)
      }
    }
  }
}

/// A place in the journal: a generation (its file's inode) and an offset in it.
package struct JournalPosition: Sendable, Hashable {
  package var inode: ino_t
  package var offset: off_t
}

extension EventJournal {
  /// Where the journal ends now (nil: there is none yet): what is recorded from now on comes after it.
  package func end() -> JournalPosition? {
    var st = stat()
    guard stat(path, &st) == 0 else { return nil }
    return JournalPosition(inode: st.st_ino, offset: st.st_size)
  }
}

/// A reader's place in the journal: the file it reads and how far, across rotations (a reader that falls more than
/// a generation behind misses the one dropped meanwhile). It starts at `start`, or at the oldest event kept.
package final class JournalTail {
  let journal: EventJournal
  private var fd: Int32 = -1
  private var inode: ino_t = 0
  private var partial = Data()
  private var backlog = [EngineEvent]()

  package init(journal: EventJournal, from start: JournalPosition? = nil) {
    self.journal = journal
    openCurrent()
    if let start, fd >= 0, inode == start.inode {
      lseek(fd, start.offset, SEEK_SET)
      return
    }
    // The previous generation first (from `start` if that is where it was), unless it is the file just opened
    // (rotated in between).
    let old = open(journal.previousPath, O_RDONLY | O_CLOEXEC)
    guard old >= 0 else { return }
    defer { close(old) }
    var st = stat()
    guard fstat(old, &st) == 0, fd < 0 || st.st_ino != inode else { return }
    if let start {
      guard st.st_ino == start.inode else { return }
      lseek(old, start.offset, SEEK_SET)
    }
    backlog = EventJournal.decode(lines: Self.readAll(old)[...]).events
  }

  deinit { if fd >= 0 { close(fd) } }

  private func openCurrent() {
    fd = open(journal.path, O_RDONLY | O_CLOEXEC)
    partial = Data()
    var st = stat()
    if fd >= 0, fstat(fd, &st) == 0 { inode = st.st_ino }
  }

  /// The events recorded since the last call, oldest first.
  package func read() -> [EngineEvent] {
    var events = backlog
    backlog = []
    if fd < 0 {
      openCurrent()
      return events + drain()
    }
    events += drain()
    var st = stat()
    if stat(journal.path, &st) == 0, st.st_ino != inode {
      // Rotated: the rest of the old file, then the new one from its start.
      events += drain()
      close(fd)
      openCurrent()
      events += drain()
    }
    return events
  }

  private func drain() -> [EngineEvent] {
    guard fd >= 0 else { return [] }
    partial += Self.readAll(fd)
    let (events, rest) = EventJournal.decode(lines: partial[...])
    partial = Data(rest)
    return events
  }

  private static func readAll(_ fd: Int32) -> Data {
    var data = Data()
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
      let n = Syscall.retrying { buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) } }
      guard n > 0 else { break }
      data.append(contentsOf: buffer[0..<n])
    }
    return data
  }
}
