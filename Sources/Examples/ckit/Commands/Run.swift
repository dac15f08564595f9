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
    let engine = Engines.current(global.state)
    // No sweep here (ps, start and prune do it): it reads every container's state, which a run must not cost.
    let lifecycle = Lifecycle(root: global.state, engine: engine)
    let record = try await CreateFlow.create(
      global: global, options: options, engine: engine, imageAndCommand: imageAndCommand, autoRemove: rm)
    if detach {
      do { _ = try await lifecycle.start(record.id, foreground: nil) } catch let failure as StartFailure {
        FileHandle.standardError.write(Data("ckit: \(failure.message)\n".utf8))
        throw ContainerExit(code: failure.code)
      }
      print(record.id)
      return
    }
    let code = try await ForegroundRun.run(
      Engines.engine(global.state), id: record.id, stdin: record.config.openStdin)
    if code != 0 { throw ContainerExit(code: code) }
  }
}

/// Shared by run and create: resolve (and if needed pull) the image, build and save the record.
enum CreateFlow {
  static func create(
    global: GlobalOptions, options: ContainerOptions, engine: any Engine, imageAndCommand: [String], autoRemove: Bool
  ) async throws -> ContainerRecord {
    let imageRef = imageAndCommand[0]
    let id = ContainerStore.newID()
    // Flags first, as docker checks them before it looks at the image: a bad -p never triggers a pull.
    let fileEnv = try options.readEnvFiles()
    _ = try options.record(
      id: id, image: imageRef, imageID: "", imageConfig: ImageDefaults(cmd: ["sh"]),
      command: Array(imageAndCommand.dropFirst()), autoRemove: autoRemove, fileEnv: fileEnv)
    try ImageReferenceText.validate(imageRef)
    if let name = options.name, let other = try? ContainerStore(root: global.state).find(name), other.name == name {
      throw CkitError.nameInUse(name: name, id: other.id)
    }
    let image: ImageSummary
    do { image = try await engine.image(imageRef) } catch CkitError.noSuchImage {
      image = try await engine.pull(imageRef)
    }
    let record = try options.record(
      id: id, image: imageRef, imageID: image.id, imageConfig: image.defaults,
      command: Array(imageAndCommand.dropFirst()),
      autoRemove: autoRemove, fileEnv: fileEnv)
    var named = record
    for attempt in 0..<20 {
      do {
        try ContainerStore(root: global.state).create(named)
        return named
      } catch CkitError.nameInUse where options.name == nil && attempt < 19 {
        // A generated name that is taken: docker draws again, adding a digit after the first tries.
        named.name = NameGenerator.random() + (attempt >= 3 ? String(Int.random(in: 0...9)) : "")
      }
    }
    return named
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
