import ArgumentParser
import Foundation

struct Rm: AsyncParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Remove one or more containers")

  @OptionGroup var global: GlobalOptions
  @Flag(name: .shortAndLong, help: "Force the removal of a running container (uses SIGKILL)") var force = false
  @Flag(name: .shortAndLong, help: "Remove anonymous volumes associated with the container") var volumes = false
  @Argument(help: "CONTAINER...") var containers: [String]

  func run() async throws {
    let store = global.containers
    let lifecycle = Lifecycle(root: global.state, engine: Engines.current(global.state))
    try await ForEachContainer.run(containers, store: store) { record in
      if store.status(record).isRunning {
        guard force else { throw CkitError.containerRunning(id: record.id, action: "remove") }
        try await lifecycle.stop(record, timeout: 0)
      }
      try await lifecycle.cleanup(record, removeIfAuto: false)
      try await lifecycle.engine.remove(record, root: global.state)
      try store.remove(id: record.id)
    }
  }
}
