import ArgumentParser
import ContainerEngine
import Foundation

struct Start: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "start", abstract: "Start one or more stopped containers")

  @OptionGroup var global: GlobalOptions
  @Flag(name: .shortAndLong, help: "Attach STDOUT/STDERR and forward signals") var attach = false
  @Flag(name: .shortAndLong, help: "Attach container's STDIN") var interactive = false
  @Argument(help: "CONTAINER...") var containers: [String]

  func run() async throws {
    let engine = try global.engine()
    await engine.sweep()
    if attach || interactive {
      guard containers.count == 1 else {
        throw CkitError.invalidArgument("you cannot start and attach multiple containers at once")
      }
      let code = try await ForegroundRun.run(engine, id: containers[0], stdin: interactive)
      if code != 0 { throw ContainerExit(code: code) }
      return
    }
    var failed: (any Error)? = nil
    for c in containers {
      do {
        try await engine.start(c)
        print(c)
      } catch {
        failed = error
        FileHandle.standardError.write(Data("Error response from daemon: \(error)\n".utf8))
      }
    }
    if failed != nil {
      throw CkitError.invalidArgument("failed to start containers: \(containers.joined(separator: ", "))")
    }
  }
}
