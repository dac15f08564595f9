import ArgumentParser
import Foundation

/// The resource limits `run`, `create` and `update` take, docker's names and short forms.
struct ResourceOptions: ParsableArguments {
  @Option(name: .shortAndLong, help: "Memory limit") var memory: String?
  @Option(help: "Number of CPUs") var cpus: String?
  @Option(name: [.customShort("c"), .customLong("cpu-shares")], help: "CPU shares (relative weight)") var cpuShares:
    Int64?
  @Option(name: .customLong("pids-limit"), help: "Tune container pids limit (set -1 for unlimited)") var pidsLimit:
    Int64?

  /// `--memory` in bytes; nil when not given.
  func memoryLimit() throws -> Int64? { try memory.map(HumanFormat.parseBytes) }

  /// `--cpus 1.5` as billionths of a CPU, docker's NanoCpus; nil when not given.
  func nanoCPUs() throws -> Int64? {
    guard let cpus else { return nil }
    guard let c = Double(cpus), c > 0, c <= Double(ProcessInfo.processInfo.activeProcessorCount) * 64 else {
      throw CkitError.invalidArgument("invalid argument \"\(cpus)\" for \"--cpus\" flag")
    }
    return Int64(c * 1e9)
  }
}
