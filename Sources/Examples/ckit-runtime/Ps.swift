import ArgumentParser
import ContainerKit

#if canImport(Glibc)
  import Glibc
#endif

/// `runc ps`: the processes of one container. `--format json` is the pid list containerd's shim reads (`ctr task
/// ps`); the table is the host's `ps` (with the given options, `-ef` by default) restricted to those pids.
struct Ps: ParsableCommand, Subcommand {
  static let configuration = CommandConfiguration(abstract: "List the processes running in a container.")
  @Option(name: [.short, .long], help: "table or json") var format = "table"
  @Argument var id: String
  @Argument(parsing: .captureForPassthrough, help: "Options for ps(1).") var psOptions: [String] = []

  func execute() async throws {
    let pids = try runtime.container(id: id).processes()
    switch format {
    case "json":
      print("[" + pids.map(String.init).joined(separator: ",") + "]")
    case "table":
      // ps(1) selects by pid itself: -p after the caller's options (-e would select all, so it is left out).
      let options = (psOptions.isEmpty ? ["-ef"] : psOptions).map { $0 == "-ef" ? "-f" : $0 }.filter { $0 != "-e" }
      let list = pids.isEmpty ? "0" : pids.map(String.init).joined(separator: ",")
      let argv = ["ps"] + options + ["-p", list]
      var cArgs = argv.map { strdup($0) } + [nil]
      execvp("ps", &cArgs)
      throw ValidationError("ps: \(String(cString: strerror(errno)))")
    default:
      throw ValidationError("invalid format option \"\(format)\"")
    }
  }
}
