// sandbox-bench ROOT LAYOUT COMMAND [N]: ContainerSandbox's costs, in-process (scripts/bench/sandbox.sh).
//   life N      withSandbox + run(["true"]) + teardown, N times: median, p90, total
//   reset N     reset() of a sandbox that wrote 1,000 files, N times: median
//   density N   N sandboxes open at once: host memory (RSS) per sandbox in this process
//   hold N      N sandboxes open, each running `sleep`; prints "ready ID..." and waits to be killed (the test of
//               Sandbox.sweep kills it with SIGKILL)
// LAYOUT is an OCI layout with busybox tagged `latest`, imported into ROOT's store once; or an image reference.
import ContainerSandbox
import Foundation
import ImageStore

let args = CommandLine.arguments
guard args.count >= 4 else {
  FileHandle.standardError.write(Data("usage: sandbox-bench ROOT LAYOUT life|reset|density [N]\n".utf8))
  exit(2)
}
let root = args[1]
let count = args.count > 4 ? Int(args[4]) ?? 100 : 100
let fromLayout = FileManager.default.fileExists(atPath: args[2] + "/index.json")
let image = fromLayout ? "sandbox-bench/busybox:latest" : args[2]
let config = SandboxConfiguration(root: root)

func ms(_ d: Duration) -> Double {
  Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
}

/// User + system CPU time of this process and its reaped children (the sandboxes' processes), in ms.
func cpuMs() -> Double {
  var me = rusage()
  var children = rusage()
  getrusage(RUSAGE_SELF.rawValue, &me)
  getrusage(RUSAGE_CHILDREN.rawValue, &children)
  func t(_ v: timeval) -> Double { Double(v.tv_sec) * 1000 + Double(v.tv_usec) / 1000 }
  return t(me.ru_utime) + t(me.ru_stime) + t(children.ru_utime) + t(children.ru_stime)
}

func summary(_ name: String, _ samples: [Duration]) {
  let sorted = samples.map(ms).sorted()
  let total = sorted.reduce(0, +)
  print(
    String(
      format: "%@: n=%d median %.2f ms, p90 %.2f ms, min %.2f ms, total %.0f ms", name, sorted.count,
      sorted[sorted.count / 2], sorted[sorted.count * 9 / 10], sorted[0], total))
}

func rssKiB() -> Int {
  let text = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
  for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
    return Int(line.split(separator: " ")[1]) ?? 0
  }
  return 0
}

do {
  let store = try await ImageStore(root: URL(fileURLWithPath: root + "/images"))
  if fromLayout, (try? await store.image(named: image)) == nil {
    _ = try await store.importOCILayout(at: URL(fileURLWithPath: args[2]), tag: image)
  }
  // Warm-up: the store's image cache, the first sweep, the runtime's cgroup probe.
  try await Sandbox.withSandbox(image: image, configuration: config) { s in _ = try await s.run(["true"]) }
  let clock = ContinuousClock()
  switch args[3] {
  case "life":
    var samples: [Duration] = []
    let cpu0 = cpuMs()
    for _ in 0..<count {
      let start = clock.now
      try await Sandbox.withSandbox(image: image, configuration: config) { s in
        let r = try await s.run(["true"])
        precondition(r.exitCode == 0)
      }
      samples.append(clock.now - start)
    }
    summary("life (withSandbox + run true + teardown)", samples)
    print(
      String(
        format: "  CPU (user + system, this process and its children): %.2f ms per life",
        (cpuMs() - cpu0) / Double(count)))
    var phases: ([Duration], [Duration], [Duration]) = ([], [], [])
    for _ in 0..<min(count, 100) {
      let t0 = clock.now
      let s = try await Sandbox.open(image: image, configuration: config)
      let t1 = clock.now
      _ = try await s.run(["true"])
      let t2 = clock.now
      await s.close()
      phases.0.append(t1 - t0)
      phases.1.append(t2 - t1)
      phases.2.append(clock.now - t2)
    }
    summary("  open", phases.0)
    summary("  run true", phases.1)
    summary("  close", phases.2)
  case "reset":
    var samples: [Duration] = []
    var cpu = 0.0
    try await Sandbox.withSandbox(image: image, configuration: config) { s in
      for _ in 0..<count {
        _ = try await s.run([
          "sh", "-c", "mkdir -p /data && i=0; while [ $i -lt 1000 ]; do echo $i > /data/f$i; i=$((i+1)); done",
        ])
        // The previous reset's old upper directory is removed on the side: let that end first, so that the CPU
        // figure is the reset's own.
        try await Task.sleep(for: .milliseconds(150))
        let start = clock.now
        let cpu0 = cpuMs()
        try await s.reset()
        samples.append(clock.now - start)
        cpu += cpuMs() - cpu0
      }
    }
    summary("reset after 1,000 files", samples)
    print(
      String(format: "  CPU (user + system, this process and its children): %.2f ms per reset", cpu / Double(count)))
  case "density":
    let before = rssKiB()
    var open: [Sandbox] = []
    for _ in 0..<count { open.append(try await Sandbox.open(image: image, configuration: config)) }
    let after = rssKiB()
    print("density: \(count) sandboxes open, RSS \(before) -> \(after) KiB: \((after - before) / count) KiB each")
    for s in open { await s.close() }
  case "hold":
    var ids: [String] = []
    var held: [Sandbox] = []
    for _ in 0..<count {
      let s = try await Sandbox.open(image: image, configuration: config)
      // Every other one reset (same pid 1 and cgroup, its root file system swapped).
      if held.count % 2 == 1 { try await s.reset() }
      _ = try await s.start(["sleep", "1000"])
      ids.append(s.id)
      held.append(s)
    }
    FileHandle.standardOutput.write(Data(("ready " + ids.joined(separator: " ") + "\n").utf8))
    while true { try await Task.sleep(for: .seconds(1000)) }
  default:
    FileHandle.standardError.write(Data("unknown command \(args[3])\n".utf8))
    exit(2)
  }
} catch {
  FileHandle.standardError.write(Data("sandbox-bench: \(error)\n".utf8))
  exit(1)
}
