import ArgumentParser
import Foundation

struct Restart: AsyncParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Restart one or more containers")

  @OptionGroup var global: GlobalOptions
  @Option(
    name: [.customShort("t"), .customLong("time"), .customLong("timeout")],
    help: "Seconds to wait before killing the container")
  var time: Int = 10
  @Argument(help: "CONTAINER...") var containers: [String]

  func run() async throws {
    let lifecycle = Lifecycle(root: global.state, engine: Engines.current(global.state))
    try await ForEachContainer.run(containers, store: global.containers) { record in
      try await lifecycle.stop(record, timeout: time)
      _ = try await lifecycle.start(record.id, foreground: nil)
    }
  }
}
