import ArgumentParser
import ContainerEngine
import Foundation

struct Logs: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "logs", abstract: "Fetch the logs of a container")

  @OptionGroup var global: GlobalOptions
  @Flag(name: .shortAndLong, help: "Follow log output") var follow = false
  @Option(name: [.customShort("n"), .long], help: "Number of lines to show from the end of the logs") var tail = "all"
  @Flag(name: .shortAndLong, help: "Show timestamps") var timestamps = false
  @Option(help: "Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m)") var since: String?
  @Option(help: "Show logs before a timestamp or relative time") var until: String?
  @Argument(help: "CONTAINER") var container: String

  func run() async throws {
    let store = global.containers
    let record = try store.find(container)
    let tailCount: Int?
    if tail == "all" || tail == "-1" {
      tailCount = nil
    } else {
      guard let n = Int(tail), n >= 0 else { throw CkitError.invalidArgument("invalid value for tail: \(tail)") }
      tailCount = n
    }
    let sinceDate = try since.map { try HumanFormat.parseSince($0) }
    let untilDate = try until.map { try HumanFormat.parseSince($0) }
    let path = global.state.logPath(record.id)
    var entries = JSONLog.read(path: path)
    entries = entries.filter { e in
      (sinceDate.map { e.time >= $0 } ?? true) && (untilDate.map { e.time <= $0 } ?? true)
    }
    if let tailCount { entries = Array(entries.suffix(tailCount)) }
    for e in entries { emit(e) }
    guard follow else { return }
    var reader = JSONLog.Follower(path: path)
    reader.skipToEnd()
    while true {
      let fresh = reader.poll()
      for e in fresh where untilDate.map({ e.time <= $0 }) ?? true { emit(e) }
      if fresh.isEmpty {
        if !store.status(try store.load(id: record.id)).isRunning {
          for e in reader.poll() { emit(e) }
          return
        }
        try await Task.sleep(nanoseconds: 100_000_000)
      }
    }
  }

  func emit(_ e: JSONLog.Entry) {
    var line = e.log
    if timestamps { line = e.rawTime + " " + line }
    let handle = e.stream == "stderr" ? FileHandle.standardError : FileHandle.standardOutput
    handle.write(Data(line.utf8))
  }
}
