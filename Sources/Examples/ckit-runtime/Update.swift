import ArgumentParser
import ContainerKit
import FoundationEssentials
import LinuxSystem
import OCI

#if canImport(Glibc)
  import Glibc
#endif

/// `runc update`: new cgroup limits for a container, from a `linux.resources` JSON (`--resources FILE`, `-` for
/// stdin: what podman and containerd's shim pass) or runc's single-value options.
struct Update: ParsableCommand, Subcommand {
  static let configuration = CommandConfiguration(abstract: "Change the cgroup limits of a container.")
  @Option(name: [.short, .long], help: "A linux.resources JSON file, - for stdin.") var resources: String?
  @Option(name: .long, help: "Memory limit (bytes, or 64k/64m/1g).") var memory: String?
  @Option(name: .long, help: "Memory plus swap limit, -1 for unlimited.") var memorySwap: String?
  @Option(name: .long, help: "Memory soft limit.") var memoryReservation: String?
  @Option(name: .long, help: "CPU shares (relative weight).") var cpuShares: UInt64?
  @Option(name: .long, help: "CPU CFS quota in microseconds.") var cpuQuota: Int64?
  @Option(name: .long, help: "CPU CFS period in microseconds.") var cpuPeriod: UInt64?
  @Option(name: .long, help: "CPUs the container may use (0-3, 0,1).") var cpusetCpus: String?
  @Option(name: .long, help: "Memory nodes the container may use.") var cpusetMems: String?
  @Option(name: .long, help: "Maximum number of tasks, -1 for unlimited.") var pidsLimit: Int64?
  @Argument var id: String

  func execute() async throws {
    var r = try fromFile() ?? LinuxResources()
    if memory != nil || memorySwap != nil || memoryReservation != nil {
      var m = r.memory ?? LinuxResources.Memory()
      if let memory { m.limit = try Self.bytes(memory, option: "--memory") }
      if let memorySwap { m.swap = try Self.bytes(memorySwap, option: "--memory-swap") }
      if let memoryReservation { m.reservation = try Self.bytes(memoryReservation, option: "--memory-reservation") }
      r.memory = m
    }
    if cpuShares != nil || cpuQuota != nil || cpuPeriod != nil || cpusetCpus != nil || cpusetMems != nil {
      var c = r.cpu ?? LinuxResources.CPU()
      if let cpuShares { c.shares = cpuShares }
      if let cpuQuota { c.quota = cpuQuota }
      if let cpuPeriod { c.period = cpuPeriod }
      if let cpusetCpus { c.cpus = cpusetCpus }
      if let cpusetMems { c.mems = cpusetMems }
      r.cpu = c
    }
    if let pidsLimit { r.pids = LinuxResources.Pids(limit: pidsLimit) }
    try runtime.container(id: id).update(r)
  }

  private func fromFile() throws -> LinuxResources? {
    guard let resources else { return nil }
    let data: Data?
    if resources == "-" {
      var bytes: [UInt8] = []
      var buf = [UInt8](repeating: 0, count: 4096)
      while true {
        let n = Syscall.retrying { read(0, &buf, buf.count) }
        if n <= 0 { break }
        bytes += buf[0..<n]
      }
      data = Data(bytes)
    } else {
      data = FileManager.default.contents(atPath: resources)
    }
    guard let data else { throw ValidationError("cannot read \(resources)") }
    return try SpecJSON.decode(LinuxResources.self, from: data, what: resources)
  }

  /// `64m`-style sizes as runc's options take them (powers of 1024); -1 is unlimited.
  static func bytes(_ text: String, option: String) throws -> Int64 {
    if text == "-1" { return -1 }
    let lower = text.lowercased()
    let units: [(String, Int64)] = [("k", 1 << 10), ("m", 1 << 20), ("g", 1 << 30), ("t", 1 << 40)]
    for (suffix, scale) in units {
      for s in [suffix + "b", suffix] where lower.hasSuffix(s) {
        if let n = Int64(lower.dropLast(s.count)) { return n * scale }
      }
    }
    if let n = Int64(lower.hasSuffix("b") ? String(lower.dropLast()) : lower) { return n }
    throw ValidationError("invalid value for \(option): \"\(text)\"")
  }
}
