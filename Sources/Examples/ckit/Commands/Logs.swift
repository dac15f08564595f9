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
    let tailCount: Int?
    if tail == "all" || tail == "-1" {
      tailCount = nil
    } else {
      guard let n = Int(tail), n >= 0 else { throw CkitError.invalidArgument("invalid value for tail: \(tail)") }
      tailCount = n
    }
    let options = LogOptions(
      follow: follow, since: try since.map { try HumanFormat.parseSince($0) },
      until: try until.map { try HumanFormat.parseSince($0) }, tail: tailCount, timestamps: timestamps)
    for await line in try await global.engine().logs(container, options) {
      let handle = line.stream == .stderr ? FileHandle.standardError : FileHandle.standardOutput
      handle.write(Data(line.text.utf8))
    }
  }
}
