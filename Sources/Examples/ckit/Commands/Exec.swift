import ArgumentParser
import Builder
import ContainerEngine
import Foundation
import OCI
import RegistryClient

struct Exec: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "exec",
    abstract: "Execute a command in a running container", usage: "ckit exec [OPTIONS] CONTAINER COMMAND [ARG...]")
  @OptionGroup var global: GlobalOptions
  @Flag(name: .shortAndLong, help: "Detached mode: run command in the background") var detach = false
  @Flag(name: .shortAndLong, help: "Keep STDIN open even if not attached") var interactive = false
  @Flag(name: .shortAndLong, help: "Allocate a pseudo-TTY") var tty = false
  @Option(name: .shortAndLong, help: "Set environment variables") var env: [String] = []
  @Option(name: .shortAndLong, help: "Username or UID") var user: String?
  @Option(name: .shortAndLong, help: "Working directory inside the container") var workdir: String?
  @Flag(help: "Give extended privileges to the command") var privileged = false
  @Argument(parsing: .postTerminator, help: "CONTAINER COMMAND [ARG...]") var containerAndCommand: [String] = []

  func validate() throws {
    guard containerAndCommand.count >= 2 else { throw ValidationError("\"ckit exec\" requires at least 2 arguments.") }
  }

  func run() async throws {
    let store = global.containers
    let record = try store.find(containerAndCommand[0])
    let status = store.status(record)
    guard status.isRunning else { throw CkitError.containerNotRunning(record.id) }
    if status.phase == .paused { throw CkitError.containerPaused(record.id) }
    let code = try await Engines.current(global.state).exec(
      record, argv: Array(containerAndCommand.dropFirst()),
      options: ExecOptions(env: env, user: user, workdir: workdir, tty: tty && isatty(0) == 1, detach: detach))
    if code != 0 { throw ContainerExit(code: code) }
  }
}
