import ArgumentParser
import Foundation

/// `ckit`: docker's command line over ContainerKit, with no daemon. Every invocation reads and writes the state
/// root directly; detached containers are kept by their ckit-monitor.
@main
struct Ckit: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ckit",
    abstract: "A self-sufficient runtime for containers",
    version: CkitVersion.text,
    subcommands: [
      Attach.self, Build.self, Commit.self, Cp.self, Create.self, Diff.self, Events.self, Exec.self, Export.self,
      Images.self,
      Import.self, Info.self, Inspect.self, Kill.self, Load.self, Login.self, Logout.self, Logs.self, Pause.self,
      Port.self, Ps.self, Pull.self, Push.self, Restart.self, Rm.self, Rmi.self, Run.self, Save.self, Search.self,
      Start.self, Stats.self, Stop.self, System.self, Tag.self, Top.self, Unpause.self, VersionCommand.self,
      Volume.self, Wait.self, Rename.self, Update.self, MonitorExit.self,
    ])

  /// Commands whose own failures exit 125, as docker's do; the rest exit 1.
  static let containerCommands: Set<String> = ["run", "create", "start", "exec"]

  static func main() async {
    let (root, rest) = ArgumentRewriter.extractGlobals(Array(CommandLine.arguments.dropFirst()))
    if let root { setenv("CKIT_ROOT", root, 1) }
    let args = ArgumentRewriter.rewrite(rest)
    let commandName = ArgumentRewriter.commandName(args)
    let ownCode: Int32 = containerCommands.contains(commandName ?? "") ? 125 : 1
    do {
      var command = try parseAsRoot(args)
      if var asyncCommand = command as? any AsyncParsableCommand {
        try await asyncCommand.run()
      } else {
        try command.run()
      }
    } catch let exit as ContainerExit {
      Foundation.exit(exit.code)
    } catch let error as CkitError {
      FileHandle.standardError.write(Data(Self.message(for: error, command: commandName).utf8))
      Foundation.exit(ownCode)
    } catch let error as CleanExit {
      Self.exit(withError: error)
    } catch {
      let code = Self.exitCode(for: error)
      if code == .success || code == .validationFailure && Self.fullMessage(for: error).isEmpty {
        Self.exit(withError: error)
      }
      if error is ExitCode {
        Self.exit(withError: error)
      }
      // Usage errors: docker's one line plus the hint, exit 125.
      let text = Self.message(for: error)
      if let name = commandName, isUsageError(error) {
        FileHandle.standardError.write(Data("ckit: \(text)\nSee 'ckit \(name) --help'.\n".utf8))
        Foundation.exit(125)
      }
      FileHandle.standardError.write(Data("Error: \(text)\n".utf8))
      Foundation.exit(isUsageError(error) ? 125 : ownCode)
    }
  }

  static func isUsageError(_ error: any Error) -> Bool {
    exitCode(for: error) == .validationFailure
  }

  /// `ckit: <msg>` for the container commands (docker's "docker: ..."), `Error: <msg>` elsewhere.
  static func message(for error: CkitError, command: String?) -> String {
    if containerCommands.contains(command ?? "") { return "ckit: \(error.description)\n" }
    return "Error response from daemon: \(error.description)\n"
  }
}

/// A container's own exit code, passed up to become ckit's.
struct ContainerExit: Error {
  var code: Int32
}

enum CkitVersion {
  static let text = "ckit version 0.1.0"
  static let apiVersion = "1.47"
}
