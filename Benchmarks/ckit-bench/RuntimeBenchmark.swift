import ContainerKit
import Foundation
import OCI

/// `run true` through the library, in-process: create (for an in-process start), start, wait, delete of one container,
/// repeated. The figure the CLI is compared against (scripts/bench/runtime.sh runs both beside crun and runc).
enum RuntimeBenchmark {
  /// Arguments: BUNDLE [RUNS]. Prints the median and p90 in milliseconds.
  static func run(_ args: [String]) async throws {
    guard let bundle = args.first else {
      print("usage: ckit-bench runtime BUNDLE [RUNS]")
      exit(2)
    }
    let runs = args.count > 1 ? Int(args[1]) ?? 100 : 100
    // A state root and cgroup parent of this process's own: another checkout may run this benchmark now.
    let root = "/run/ckit-bench-\(getpid())"
    let parent = "ckit-bench-lib-\(getpid())"
    let runtime = ContainerRuntime.detectingCgroups(root: root, cgroupParent: parent)
    let spec = try ContainerRuntime.loadSpec(bundle: bundle)
    let clock = ContinuousClock()
    var samples: [Double] = []
    for i in 0..<(runs + 5) {
      let start = clock.now
      // As `ContainerRuntime.run` and `ckit-runtime run` do: this process starts it, so no exec fifo.
      let c = try await runtime.create(
        id: "bench-\(i)", bundle: bundle, spec: spec, io: .inherit, inProcessStart: true)
      try await c.start()
      let status = await c.wait()
      try await c.delete()
      let elapsed = clock.now - start
      guard status.code == 0 else {
        print("runtime benchmark: container exited \(status)")
        exit(1)
      }
      if i >= 5 {
        samples.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1e3)
      }
    }
    try? FileManager.default.removeItem(atPath: root)
    for hierarchy in (try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? [] {
      rmdir("/sys/fs/cgroup/\(hierarchy)/\(parent)")
    }
    samples.sort()
    let median = samples[samples.count / 2]
    let p90 = samples[min(samples.count - 1, samples.count * 9 / 10)]
    print(String(format: "library run true: median %.2f ms, p90 %.2f ms (%d runs)", median, p90, samples.count))
  }
}
