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
          ProcessTree.info(p).map { [$0.uid, String(p), String($0.ppid), "0", $0.start, $0.tty, $0.time, $0.command] }
        })
    }
    let output = await BlockingCall.run { () -> Result<String, EngineError> in
      let ps = Process()
      ps.executableURL = URL(fileURLWithPath: "/bin/ps")
      ps.arguments = psArgs
      let pipe = Pipe()
      ps.standardOutput = pipe
      ps.standardError = FileHandle.nullDevice
      do { try ps.run() } catch { return .failure(.underlying(context: "top: ps", cause: error)) }
      let data = pipe.fileHandleForReading.readDataToEndOfFile()
      ps.waitUntilExit()
      guard ps.terminationStatus == 0 else {
        return .failure(.invalidArgument("ps: exit status \(ps.terminationStatus)"))
      }
      return .success(String(decoding: data, as: UTF8.self))
    }
    return try Self.filter(try output.get(), pids: Set(pids))
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
