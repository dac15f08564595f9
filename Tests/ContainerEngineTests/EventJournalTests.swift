import ContainerEngine
import Foundation
import Testing

struct EventJournalTests {
  /// The journal keeps at most two generations of `limit` bytes (and a line); a reader that keeps up sees every
  /// event once, in order, across the rotations.
  @Test func boundedAndFollowedAcrossRotations() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("evt-journal-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let journal = EventJournal(root: StateRoot(dir.path), limit: 1000)
    let tail = JournalTail(journal: journal)
    var seen = [String]()
    for i in 0..<60 {
      journal.record(.container, "start", id: "c\(i)", attributes: ["name": "n\(i)"])
      if i % 3 == 0 { seen += tail.read().map(\.actor.id) }
    }
    seen += tail.read().map(\.actor.id)
    #expect(seen == (0..<60).map { "c\($0)" })

    let size = { (p: String) in ((try? FileManager.default.attributesOfItem(atPath: p))?[.size] as? Int) ?? 0 }
    #expect(size(journal.path) <= 1200 && size(journal.previousPath) <= 1200)
    #expect(size(journal.previousPath) > 0, "rotated")
    let kept = journal.all().map(\.actor.id)
    #expect(kept.count < 60 && kept.last == "c59")
    #expect(kept == (60 - kept.count..<60).map { "c\($0)" }, "the newest, in order")
    // A reader started now begins with what is kept.
    #expect(JournalTail(journal: journal).read().map(\.actor.id) == kept)
  }

  /// A reader that starts at the journal's end sees only what comes after, though the file it started in was
  /// rotated before it read.
  @Test func aReaderFromTheEndAcrossARotation() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("evt-journal-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let journal = EventJournal(root: StateRoot(dir.path), limit: 3000)
    #expect(journal.end() == nil)
    for i in 0..<3 { journal.record(.volume, "create", id: "old\(i)") }
    let end = try #require(journal.end())
    for i in 0..<20 { journal.record(.volume, "create", id: "new\(i)") }
    #expect(journal.end()?.inode != end.inode, "rotated")
    #expect(JournalTail(journal: journal, from: end).read().map(\.actor.id) == (0..<20).map { "new\($0)" })
  }
}
