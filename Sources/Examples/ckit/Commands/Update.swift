import ArgumentParser
import ContainerEngine
import Foundation

struct Update: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "update", abstract: "Update configuration of one or more containers")

  @OptionGroup var global: GlobalOptions
  @Option(name: .shortAndLong, help: "Memory limit") var memory: String?
  @Option(help: "Number of CPUs") var cpus: String?
  @Option(name: [.customShort("c"), .customLong("cpu-shares")], help: "CPU shares (relative weight)") var cpuShares:
    Int64?
  @Option(name: .customLong("pids-limit"), help: "Tune container pids limit (set -1 for unlimited)") var pidsLimit:
    Int64?
  @Option(help: "Restart policy to apply when a container exits") var restart: String?
  @Argument(help: "CONTAINER...") var containers: [String]

  func run() async throws {
    let resources = ContainerResources(
      memoryLimit: try memory.map(HumanFormat.parseBytes), nanoCPUs: try cpus.map(ContainerOptions.nanoCPUs),
      cpuShares: cpuShares, pidsLimit: pidsLimit.map { $0 < 0 ? 0 : $0 },
      restartPolicy: try restart.map(RestartPolicy.init))
    let engine = try global.engine()
    try await ForEachContainer.run(containers) { try await engine.update($0, resources: resources) }
  }
}
