import ArgumentParser
import ContainerEngine
import Foundation

struct Run: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Create and run a new container from an image", usage: "ckit run [OPTIONS] IMAGE [COMMAND] [ARG...]")

  @OptionGroup var global: GlobalOptions
  @OptionGroup var options: ContainerOptions
  @Flag(name: .shortAndLong, help: "Run container in background and print container ID") var detach = false
  @Flag(help: "Automatically remove the container when it exits") var rm = false
  @Argument(parsing: .postTerminator, help: "IMAGE [COMMAND] [ARG...]") var imageAndCommand: [String] = []

  func validate() throws {
    guard !imageAndCommand.isEmpty else { throw ValidationError("\"ckit run\" requires at least 1 argument.") }
  }

  func run() async throws {
    // No sweep here (ps, start and prune do it): it reads every container's state, which a run must not cost.
    let (engine, id) = try await options.create(imageAndCommand: imageAndCommand, autoRemove: rm, in: global.engine)
    if detach {
      do { try await engine.start(id) } catch EngineError.startFailed(_, let code, let message) {
        FileHandle.standardError.write(Data("ckit: \(message)\n".utf8))
        throw ContainerExit(code: code)
      }
      print(id)
      return
    }
    // -i is the container's openStdin: no inspect (its state files read again) to learn it.
    let code = try await ForegroundRun.run(engine, id: id, stdin: options.interactive)
    if code != 0 { throw ContainerExit(code: code) }
  }
}

/// A container in the foreground, as `docker run` and `docker start -a` show it: its output on ours, our stdin
/// with -i, until it exits, whose code is returned (the engine has released it by then).
enum ForegroundRun {
  static func run(_ engine: ContainerEngine, id: String, stdin: Bool) async throws -> Int32 {
    // The terminal's ^C reaches the monitor too (same process group), which forwards it to the container.
    signal(SIGINT, SIG_IGN)
    let session = try await engine.startAttached(id, stdin: stdin, ttySize: SessionRelay.terminalSize())
    return await SessionRelay.run(session, stdin: stdin) ?? 0
  }
}

/// Puts a terminal in raw mode for `-t` and restores it.
final class RawTerminal {
  let fd: Int32
  var saved = termios()
  var active = false

  init?(fd: Int32) {
    self.fd = fd
    guard tcgetattr(fd, &saved) == 0 else { return nil }
    var raw = saved
    cfmakeraw(&raw)
    active = tcsetattr(fd, TCSANOW, &raw) == 0
  }

  func restore() {
    if active { tcsetattr(fd, TCSANOW, &saved) }
    active = false
  }
}
