import ContainerKit
import Foundation
import LinuxSystem

extension ContainerEngine {
  /// The running container's processes, as Docker's `top`: without `psArgs`, `ps -ef`'s columns read from /proc
  /// for the descendants of the container's monitor (their subreaper); with them, the host's `ps` run with those
  /// arguments, keeping the rows of the container's processes (found by its `PID` column, which the arguments must
  /// keep, as Docker requires).
  public func top(_ reference: String, psArgs: [String] = []) async throws(EngineError) -> ContainerTop {
    let (record, status) = try await mapped {
      let record = try store.find(reference)
      return (record, store.status(record))
    }
    guard status.isRunning else { throw .containerNotRunning(record.id) }
    let pids = ProcessTree.descendants(of: status.monitorPid)
    guard !psArgs.isEmpty else {
      return ContainerTop(
        titles: ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"],
        processes: pids.compactMap { p in
          ProcessTree.info(p).map { [$0.uid, String(p), String($0.ppid), "0", "-", $0.tty, $0.time, $0.command] }
        })
    }
    // `ps` runs as a tool process: its output is read and its exit awaited without holding a pool thread.
    let outcome: ToolProcess.Outcome
    do { outcome = try await ToolProcess.run("/bin/ps", psArgs) } catch {
      throw .underlying(context: "top: ps", cause: error)
    }
    guard outcome.status == 0 else { throw .invalidArgument("ps: exit status \(outcome.status)") }
    return try Self.filter(String(decoding: outcome.output, as: UTF8.self), pids: Set(pids))
  }

  /// The lines of `ps` output whose PID column is one of `pids`, split into columns as Docker does (the last
  /// column keeps its spaces).
  static func filter(_ output: String, pids: Set<Int32>) throws(EngineError) -> ContainerTop {
    let lines = output.split(separator: "\n")
    guard let header = lines.first else { return ContainerTop(titles: [], processes: []) }
    let titles = header.split(separator: " ").map(String.init)
    guard let column = titles.firstIndex(of: "PID") else {
      throw .invalidArgument("Couldn't find PID field in ps output")
    }
    var rows = [[String]]()
    for line in lines.dropFirst() {
      var fields = line.split(separator: " ", maxSplits: titles.count - 1).map(String.init)
      guard fields.count > column, let pid = Int32(fields[column]), pids.contains(pid) else { continue }
      if fields.count == titles.count {
        fields[titles.count - 1] = fields[titles.count - 1].trimmingCharacters(in: .whitespaces)
      }
      rows.append(fields)
    }
    return ContainerTop(titles: titles, processes: rows)
  }
}
