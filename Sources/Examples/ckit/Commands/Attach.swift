import ArgumentParser
import ContainerEngine
import Foundation

struct Attach: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "attach",
    abstract: "Attach local standard input, output, and error streams to a running container")

  @OptionGroup var global: GlobalOptions
  @Flag(name: .customLong("no-stdin"), help: "Do not attach STDIN") var noStdin = false
  @Option(name: .customLong("detach-keys"), help: "Override the key sequence for detaching a container")
  var detachKeys = "ctrl-p,ctrl-q"
  @Argument(help: "CONTAINER") var container: String

  func run() async throws {
    let session = try await global.engine().attach(container, stdin: !noStdin, detachKeys: detachKeys)
    let code = await SessionRelay.run(session, stdin: !noStdin)
    if let code, code != 0 { throw ContainerExit(code: code) }
  }
}
