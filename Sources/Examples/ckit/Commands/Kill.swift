import ArgumentParser
import ContainerEngine
import Foundation

struct Kill: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "kill", abstract: "Kill one or more running containers")

  @OptionGroup var global: GlobalOptions
  @Option(name: .shortAndLong, help: "Signal to send to the container") var signal: String = "KILL"
  @Argument(help: "CONTAINER...") var containers: [String]

  func run() async throws {
    let sig = try Signals.parse(signal)
    let store = global.containers
    try await ForEachContainer.run(containers, store: store) { record in
      let status = store.status(record)
      guard status.isRunning, status.monitorPid > 0 else { throw CkitError.containerNotRunning(record.id) }
      MonitorSignal.forward(status.monitorPid, signal: sig)
      if sig == SIGKILL {
        _ = await Lifecycle(root: global.state, engine: Engines.current(global.state))
          .waitForMonitorExit(record.id, pid: status.monitorPid, seconds: 5)
      }
    }
  }
}
