import ArgumentParser
import Foundation

struct Wait: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "wait",
    abstract: "Block until one or more containers stop, then print their exit codes")

  @OptionGroup var global: GlobalOptions
  @Argument(help: "CONTAINER...") var containers: [String]

  func run() async throws {
    let store = global.containers
    try await ForEachContainer.run(containers, store: store, quietSuccess: true) { record in
      while store.status(record).isRunning { try await Task.sleep(nanoseconds: 50_000_000) }
      print(store.status(record).exitCode)
    }
  }
}
