import ArgumentParser
import ContainerEngine
import Foundation

struct Top: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "top", abstract: "Display the running processes of a container")

  @OptionGroup var target: ContainerTarget
  @Argument(parsing: .captureForPassthrough, help: "[ps OPTIONS]") var psOptions: [String] = []

  func run() async throws {
    let top = try await target.global.engine().top(target.container, psArgs: psOptions)
    var table = Table(top.titles)
    for row in top.processes { table.append(row) }
    print(table.render(), terminator: "")
  }
}
