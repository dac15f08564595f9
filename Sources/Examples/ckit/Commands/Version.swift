import ArgumentParser
import ContainerEngine
import Foundation

struct VersionCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "version", abstract: "Show the ckit version information")

  @OptionGroup var format: FormatOption

  func run() async throws {
    let version = ContainerEngine.version()
    let value = TemplateValue.object([
      (
        "Client",
        .object([
          ("Version", .string(version.version)), ("ApiVersion", .string(version.apiVersion)),
          ("Os", .string(version.os)), ("Arch", .string(version.arch)),
          ("KernelVersion", .string(version.kernelVersion)),
        ])
      )
    ])
    if try format.printed(value) { return }
    print(
      """
      Client:
       Version:           \(version.version)
       API version:       \(version.apiVersion)
       OS/Arch:           \(version.os)/\(version.arch)
       Kernel:            \(version.kernelVersion)
       Daemonless:        true (per-container ckit-monitor)
      """)
  }
}
