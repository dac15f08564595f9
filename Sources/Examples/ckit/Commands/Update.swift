import ArgumentParser
import ContainerEngine
import Foundation

struct Update: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "update", abstract: "Update configuration of one or more containers")

  @OptionGroup var global: GlobalOptions
  @OptionGroup var resources: ResourceOptions
  @Option(help: "Restart policy to apply when a container exits") var restart: String?
  @Argument(help: "CONTAINER...") var containers: [String]

  func run() async throws {
    let resources = ContainerResources(
      memoryLimit: try resources.memoryLimit(), nanoCPUs: try resources.nanoCPUs(),
      cpuShares: resources.cpuShares, pidsLimit: resources.pidsLimit.map { $0 < 0 ? 0 : $0 },
      restartPolicy: try restart.map(RestartPolicy.init))
    let engine = try global.engine()
    try await ForEachContainer.run(containers) { try await engine.update($0, resources: resources) }
  }
}
