import ArgumentParser
import ContainerEngine
import Foundation

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
  @Option(name: .customLong("detach-keys"), help: "Override the key sequence for detaching a container")
  var detachKeys: String?
  @Flag(help: "Give extended privileges to the command") var privileged = false
  @Argument(parsing: .postTerminator, help: "CONTAINER COMMAND [ARG...]") var containerAndCommand: [String] = []

  func validate() throws {
    guard containerAndCommand.count >= 2 else { throw ValidationError("\"ckit exec\" requires at least 2 arguments.") }
  }

  func run() async throws {
    let engine = try global.engine()
    // ckit's stdin goes to the process (as it always did here, -i or not) unless detached.
    let config = ExecConfig(
      command: Array(containerAndCommand.dropFirst()), environment: env, user: user, workingDirectory: workdir,
      tty: tty && isatty(0) == 1, attachStdin: !detach, detachKeys: detachKeys,
      consoleSize: SessionRelay.terminalSize())
    let id = try await engine.createExec(containerAndCommand[0], config)
    // Ctrl-C in a terminal that is not raw goes to the runtime too (same process group), which forwards it to the
    // process: ckit stays to relay the rest of the output and return the exit code.
    if !detach { signal(SIGINT, SIG_IGN) }
    let session = try await engine.startExec(id, detach: detach)
    if detach { return }
    let code = await SessionRelay.run(session, stdin: true) ?? 0
    if code != 0 { throw ContainerExit(code: code) }
  }
}
