import ContainerEngine
import Foundation
import TestSupport
import Testing

@testable import ckit

@Suite struct LogTests {
  @Test func readsRotatedFilesOldestFirst() async throws {
    try await withScratchRoot { scratch in
      let path = scratch.path.appendingPathComponent("c-json.log").path
      func line(_ s: String, _ stream: String = "stdout") -> String {
        #"{"log":"\#(s)\n","stream":"\#(stream)","time":"2026-11-28T19:00:00.000000001Z"}"# + "\n"
      }
      try (line("one") + line("two")).write(toFile: path + ".2", atomically: true, encoding: .utf8)
      try line("three", "stderr").write(toFile: path + ".1", atomically: true, encoding: .utf8)
      try (line("four") + "{broken\n").write(toFile: path, atomically: true, encoding: .utf8)
      let entries = JSONLog.read(path: path)
      #expect(entries.map(\.log) == ["one\n", "two\n", "three\n", "four\n"])
      #expect(entries[2].stream == "stderr")
    }
  }

  @Test func followerSeesAppendsAndRotation() async throws {
    try await withScratchRoot { scratch in
      let path = scratch.path.appendingPathComponent("f.log").path
      FileManager.default.createFile(atPath: path, contents: Data())
      var f = JSONLog.Follower(path: path)
      f.skipToEnd()
      let h = try #require(FileHandle(forWritingAtPath: path))
      h.seekToEndOfFile()
      h.write(Data(#"{"log":"a\n","stream":"stdout","time":"2026-11-28T19:00:00Z"}"#.utf8))
      #expect(f.poll().isEmpty)  // not a full line yet
      h.write(Data("\n".utf8))
      #expect(f.poll().map(\.log) == ["a\n"])
      try h.close()
      try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
      try (#"{"log":"b\n","stream":"stdout","time":"2026-11-28T19:00:01Z"}"# + "\n").write(
        toFile: path, atomically: false, encoding: .utf8)
      #expect(f.poll().map(\.log) == ["b\n"])
    }
  }
}
