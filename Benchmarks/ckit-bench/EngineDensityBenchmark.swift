import ContainerEngine
import ContainerNetwork
import Foundation

/// Density through the library in one process: N detached `sleep` containers started with the ContainerEngine
/// API, `parallel` starts in flight at once. Prints the total time, the median and p99 start, how many run, and
/// the host memory each costs (its monitor's PSS plus its cgroup's memory), then removes them all.
///
/// The benchmark moves itself into a cpuacct cgroup of its own first: the monitors and runtime processes it starts
/// inherit it, so the CPU time per container it prints covers the engine, monitor and runtime (and the kernel work
/// done for them), whatever else the machine runs. Wall time on a shared machine does not.
enum EngineDensityBenchmark {
  /// Arguments: ROOT IMAGE [N] [PARALLEL] [none|bridge]. ROOT is a state root holding IMAGE (pulled if not).
  static func run(_ args: [String]) async throws {
    guard args.count >= 2 else {
      print("usage: ckit-bench engine-density ROOT IMAGE [N] [PARALLEL] [none|bridge]")
      exit(2)
    }
    let n = args.count > 2 ? Int(args[2]) ?? 1000 : 1000
    let parallel = args.count > 3 ? max(1, Int(args[3]) ?? 4) : 4
    let network: NetworkMode = args.count > 4 && args[4] == "bridge" ? .bridge : .none
    let cgroupParent = "ckit-density-\(getpid())"
    let engine = try ContainerEngine(configuration: EngineConfiguration(root: args[0], cgroupParent: cgroupParent))
    try await engine.pull(args[1])
    let spec = ContainerSpec(image: args[1], command: ["sleep", "3600"], network: network)
    let cpu = CPUAccount(name: "ckit-density-cpu-\(getpid())")
    defer { cpu?.remove() }

    let clock = ContinuousClock()
    let cpuBefore = cpu?.nanoseconds() ?? 0
    let began = clock.now
    var starts = [Double]()
    var ids = [String]()
    var failures = [String]()
    try await withThrowingTaskGroup(of: (String?, Double, String?).self) { group in
      var next = 0
      func add() {
        guard next < n else { return }
        next += 1
        group.addTask {
          let t0 = clock.now
          do {
            let id = try await engine.run(spec)
            return (id, milliseconds(clock.now - t0), nil)
          } catch {
            return (nil, milliseconds(clock.now - t0), "\(error)")
          }
        }
      }
      for _ in 0..<parallel { add() }
      while let (id, ms, error) = try await group.next() {
        starts.append(ms)
        if let id { ids.append(id) }
        if let error { failures.append(error) }
        add()
      }
    }
    let total = milliseconds(clock.now - began) / 1000
    let cpuStart = (cpu?.nanoseconds() ?? 0) - cpuBefore
    let infos = try await engine.list()
    let running = infos.filter { $0.state == .running }
    var pss = 0
    var cgroupBytes = 0
    for c in running {
      pss += kib("/proc/\(c.monitorPid)/smaps_rollup", field: "Pss:")
      cgroupBytes +=
        Int(
          (try? String(
            contentsOfFile: "/sys/fs/cgroup/memory/\(cgroupParent)/\(c.id)/memory.usage_in_bytes", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "0") ?? 0
    }
    starts.sort()
    let count = max(1, running.count)
    print(
      String(
        format: "engine-density (%@, %d in flight): running %d/%d, total %.1f s, start median %.0f ms, p99 %.0f ms",
        "\(network)", parallel, running.count, n, total, starts[starts.count / 2],
        starts[min(starts.count - 1, starts.count * 99 / 100)]))
    print(
      String(
        format: "memory per container: monitor PSS %.0f KiB + cgroup %.0f KiB = %.0f KiB", Double(pss) / Double(count),
        Double(cgroupBytes) / 1024 / Double(count), (Double(pss) + Double(cgroupBytes) / 1024) / Double(count)))
    if cpu != nil {
      print(String(format: "CPU per start: %.1f ms (engine + monitor + runtime)", Double(cpuStart) / 1e6 / Double(n)))
    }
    if let f = failures.first { print("failures: \(failures.count), first: \(f)") }

    let cleanup = clock.now
    let cpuBeforeRemoval = cpu?.nanoseconds() ?? 0
    try await withThrowingTaskGroup(of: Void.self) { group in
      var pending = ids[...]
      for _ in 0..<parallel {
        if let id = pending.popFirst() { group.addTask { try? await engine.remove(id, force: true) } }
      }
      while try await group.next() != nil {
        if let id = pending.popFirst() { group.addTask { try? await engine.remove(id, force: true) } }
      }
    }
    let left = try await engine.list().count
    let removalCPU = Double((cpu?.nanoseconds() ?? 0) - cpuBeforeRemoval) / 1e6 / Double(max(1, ids.count))
    print(
      String(
        format: "removed in %.1f s (CPU %.1f ms each), %d left", milliseconds(clock.now - cleanup) / 1000, removalCPU,
        left))
    for dir in (try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? [] {
      rmdir("/sys/fs/cgroup/\(dir)/\(cgroupParent)")
    }
  }

  /// A cpuacct cgroup (v1) holding this process and, by inheritance, the monitors and runtimes it starts.
  struct CPUAccount {
    let path: String

    init?(name: String) {
      let base = "/sys/fs/cgroup/cpuacct"
      guard FileManager.default.fileExists(atPath: base + "/cpuacct.usage") else { return nil }
      path = base + "/" + name
      guard mkdir(path, 0o755) == 0 || errno == EEXIST else { return nil }
      guard (try? "\(getpid())\n".write(toFile: path + "/cgroup.procs", atomically: false, encoding: .utf8)) != nil
      else {
        rmdir(path)
        return nil
      }
    }

    func nanoseconds() -> Int {
      Int(
        (try? String(contentsOfFile: path + "/cpuacct.usage", encoding: .utf8))?
          .trimmingCharacters(in: .whitespacesAndNewlines) ?? "0") ?? 0
    }

    /// Moves this process back to the root and removes the cgroup (the monitors are gone by then).
    func remove() {
      try? "\(getpid())\n".write(toFile: "/sys/fs/cgroup/cpuacct/cgroup.procs", atomically: false, encoding: .utf8)
      rmdir(path)
    }
  }

  static func milliseconds(_ d: Duration) -> Double {
    Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
  }

  static func kib(_ path: String, field: String) -> Int {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix(field) {
      return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "0") ?? 0
    }
    return 0
  }
}
