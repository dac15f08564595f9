import ArgumentParser
import ContainerEngine
import Foundation

/// Run by a container's monitor once the container has exited for good: releases its network and ports and, with
/// `--rm`, removes it. Not for users; hidden from help.
struct MonitorExit: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "monitor-exit", shouldDisplay: false)

  @OptionGroup var global: GlobalOptions
  @Argument var id: String

  func run() async throws {
    let monitor = ProcessInfo.processInfo.environment["CKIT_MONITOR_PID"].flatMap { Int32($0) }
    try await global.engine().monitorExited(id, monitorPid: monitor)
  }
}
