import Foundation
import TestSupport
import Testing

/// ckitd's threads as the kernel schedules them: the event loops (which answer `/_ping` and move every request's
/// bytes) ahead of the engine's work, the rest at the default priority (Documentation/Benchmarks.md, issue 15).
@Suite(.serialized, .enabled(if: getuid() == 0, "requires root"))
struct CkitdSchedulingTests {
  /// A thread of ckitd as `/proc/PID/task/TID` shows it: its name and nice value.
  struct ThreadPriority: Equatable {
    var name: String
    var nice: Int
  }

  /// Every thread of `pid`: `comm`, and the nice value (field 19 of `stat`, counted after the name's parenthesis,
  /// since the name may hold spaces).
  static func threads(_ pid: Int32) throws -> [ThreadPriority] {
    try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task").compactMap { tid in
      guard let stat = try? String(contentsOfFile: "/proc/\(pid)/task/\(tid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
      else { return nil }  // the thread has ended meanwhile
      let fields = stat[stat.index(after: close)...].split(separator: " ")
      let name = String(stat[stat.index(after: stat.firstIndex(of: "(")!)..<close])
      return ThreadPriority(name: name, nice: try #require(Int(fields[16])))
    }
  }

  @Test func eventLoopsRunAheadOfTheEngine() async throws {
    try await CkitdDaemon.with { env, d in
      // A request served by the router (an engine call on the pool) and a ping (the event loop's own answer).
      #expect(try d.docker(["ps", "-a"]).status == 0)
      let pid = try #require(d.pid)
      let threads = try Self.threads(pid)
      let loops = threads.filter { $0.name.hasPrefix("NIO-") }
      #expect(!loops.isEmpty, "\(threads)")
      #expect(loops.allSatisfy { $0.nice == -10 }, "\(threads)")
      // Only the loops were raised: the main thread stays at the default, and no other thread took the loops'
      // value (the pools' threads, started after the loops were raised, did not inherit it). Dispatch gives the
      // thread of its overcommit queue a nice value of its own QoS (-4), as it did before.
      let ours = Int(getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0))  // ckitd's default: the runner's
      #expect(threads.first { $0.name == "ckitd" }?.nice == ours, "\(threads)")
      #expect(threads.filter { !$0.name.hasPrefix("NIO-") }.allSatisfy { $0.nice > -10 }, "\(threads)")
      #expect(threads.filter { $0.name.hasSuffix("default-qos") }.allSatisfy { $0.nice == ours }, "\(threads)")
    }
  }
}
