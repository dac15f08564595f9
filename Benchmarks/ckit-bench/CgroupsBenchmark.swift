import Cgroups
import Foundation
import OCI

/// Cost of the cgroup part of a container's life, in-process, on the detected driver: create with typical limits,
/// place a process, read stats, delete once the container has exited (empty check + rmdir in every hierarchy).
/// Usage: `ckit-bench cgroups [iterations] [unified]`; `unified` drives a hybrid host's cgroup2 tree with the v2
/// driver (no resources: its controllers are held by v1).
enum CgroupsBenchmark {
  static func run(_ args: [String]) async throws {
    let iterations = args.first.flatMap(Int.init) ?? 200
    var driver = try Cgroups.detect()
    var resources = LinuxResources()
    if args.dropFirst().first == "unified" {
      let mounts = CgroupMounts(mountInfo: try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8))
      guard let unified = mounts.unified else { throw CgroupError.noCgroupMount(mountInfo: "/proc/self/mountinfo") }
      driver = CgroupV2Driver(root: unified)
    } else {
      resources.memory = .init(limit: 256 << 20)
      resources.cpu = .init(shares: 512, quota: 50_000, period: 100_000)
      resources.pids = .init(limit: 128)
    }
    let parent = "ckit-bench-\(getpid())"

    // One sleeping child is moved through the cgroups; it ends in `<parent>/hold`, deleted (killed) at the end.
    let sleeper = Process()
    sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
    sleeper.arguments = ["600"]
    try sleeper.run()
    let pid = sleeper.processIdentifier
    defer {
      try? driver.delete(parent)
      if sleeper.isRunning { sleeper.terminate() }
      sleeper.waitUntilExit()
    }
    try driver.create("\(parent)/hold", resources: nil)

    var create: [Double] = []
    var add: [Double] = []
    var stats: [Double] = []
    var delete: [Double] = []
    let clock = ContinuousClock()
    for index in 0..<iterations {
      let path = "\(parent)/c\(index)"
      create.append(try measure(clock) { try driver.create(path, resources: resources) })
      add.append(try measure(clock) { try driver.addProcess(pid, to: path) })
      stats.append(try measure(clock) { _ = try driver.stats(path) })
      try driver.addProcess(pid, to: "\(parent)/hold")
      delete.append(try measure(clock) { try driver.delete(path) })
    }
    print("cgroups (\(driver.version), \(iterations) iterations), median / p90 in microseconds:")
    for (name, samples) in [("create+limits", create), ("addProcess", add), ("stats", stats), ("delete", delete)] {
      let sorted = samples.sorted()
      let median = sorted[sorted.count / 2]
      let p90 = sorted[sorted.count * 9 / 10]
      print("  \(name.padding(toLength: 14, withPad: " ", startingAt: 0)) \(format(median)) / \(format(p90))")
    }
  }

  private static func measure(_ clock: ContinuousClock, _ body: () throws -> Void) throws -> Double {
    let start = clock.now
    try body()
    let elapsed = clock.now - start
    return Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12
  }

  private static func format(_ value: Double) -> String { String(format: "%.0f", value) }
}
