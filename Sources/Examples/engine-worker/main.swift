// The DocC article's example (ContainerEngine.docc, "A worker container per job"), compiled with the package and
// run by the suite (Tests/EngineAPITests/ExamplesTests.swift) so it stays true:
// `engine-worker IMAGE STATE_DIR SCRIPT...` runs each SCRIPT (`sh -c`) in a worker container of its own, all at
// once: pulls IMAGE, runs each worker detached, follows its log until it says `done`, reads its memory use, stops
// and removes it. Prints `job N: LINE` for what job N printed, then `job N: exit CODE`.
import ContainerEngine
import Foundation

/// One job of the queue: a shell script and the worker container that runs it.
struct Job: Sendable {
  var number: Int
  var script: String
}

/// Runs `job` in a container of `image`, follows its output until it prints `done` (or ends), stops and removes
/// the container. Returns the worker's exit code.
func work(_ job: Job, image: String, engine: ContainerEngine) async throws(EngineError) -> Int32 {
  // Detached: the container is kept by its own monitor, not by this process, and logs to a file the engine reads.
  let id = try await engine.run(
    ContainerSpec(
      image: image, command: ["sh", "-c", job.script], name: "worker-\(getpid())-\(job.number)",
      network: .none, labels: ["worker.job": String(job.number)]))
  do {
    try await follow(id, job: job, engine: engine)
    // A single sample (`stream: false`), as `docker stats --no-stream`: the figures of the container's cgroup.
    for await sample in try await engine.stats(id, stream: false) {
      print("job \(job.number): memory \(sample.memoryUsage > 0 ? "in use" : "none")")
    }
    // Docker's stop: the stop signal, then SIGKILL after the timeout. `wait` returns the last exit code and
    // releases what the container held.
    try await engine.stop(id, timeout: 1)
    let code = try await engine.wait(id)
    try await engine.remove(id)
    return code
  } catch {
    try? await engine.remove(id, force: true)
    throw error
  }
}

/// Prints the worker's output as it comes, until a line says `done` or the container has ended.
func follow(_ id: String, job: Job, engine: ContainerEngine) async throws(EngineError) {
  // `follow: true` sees lines written after it started, and ends when the container ends for good.
  for await line in try await engine.logs(id, LogOptions(follow: true)) {
    print("job \(job.number): \(line.text)", terminator: "")
    if line.text == "done\n" { return }
  }
}

let args = CommandLine.arguments
guard args.count >= 4 else {
  FileHandle.standardError.write(Data("usage: engine-worker IMAGE STATE_DIR SCRIPT...\n".utf8))
  exit(2)
}
do {
  // `ckit-runtime` and `ckit-monitor` are found next to this executable (they are products of the package).
  let engine = try ContainerEngine(configuration: EngineConfiguration(root: args[2]))
  let image = args[1]
  try await engine.pull(image)
  let jobs = args.dropFirst(3).enumerated().map { Job(number: $0.offset + 1, script: $0.element) }
  let codes = try await withThrowingTaskGroup(of: (Int, Int32).self) { group in
    for job in jobs {
      group.addTask { (job.number, try await work(job, image: image, engine: engine)) }
    }
    var codes: [Int: Int32] = [:]
    for try await (number, code) in group { codes[number] = code }
    return codes
  }
  for (number, code) in codes.sorted(by: { $0.key < $1.key }) { print("job \(number): exit \(code)") }
} catch {
  FileHandle.standardError.write(Data("engine-worker: \(error)\n".utf8))
  exit(125)
}
