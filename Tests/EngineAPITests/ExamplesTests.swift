import ContainerEngine
import Foundation
import TestSupport
import Testing

/// The documentation's examples run as a reader would run them: `hello-container` (the README's) and
/// `engine-worker` (the DocC article's), built with the package, against the fixtures' local registry.
@Suite(.enabled(if: isRoot, "requires root"))
struct ExamplesTests {
  /// This process's environment with `extra` added: the examples find the runtime and the monitor beside
  /// themselves, and take the test's own cgroup parent from the variable the engine reads.
  func environment(_ extra: [String: String]) -> [String: String] {
    ProcessInfo.processInfo.environment.merging(extra) { _, new in new }
  }

  @Test func helloContainerPrintsHelloWorld() async throws {
    try await withScratchRoot { scratch in
      let registry = try LocalRegistry.start()
      defer { registry.stop() }
      let result = try Command.run(
        [
          products.appendingPathComponent("hello-container").path, "\(registry.host)/library/busybox:latest",
          try scratch.directory("hello").path,
        ], check: false)
      #expect(result.status == 0, "\(result.stderr)")
      #expect(result.stdout == "hello world\n")
    }
  }

  /// Three jobs at once: two that say `done` and keep running (stopped by the worker: busybox's `sleep` as pid 1
  /// ignores SIGTERM, so the stop ends in SIGKILL, 137), one that ends by itself with 4 before saying `done`.
  /// Every line of every job is printed, with a memory sample of each, and the state root holds no container
  /// afterwards.
  @Test func engineWorkerRunsAContainerPerJobAndRemovesIt() async throws {
    try await withScratchRoot { scratch in
      let registry = try LocalRegistry.start()
      defer { registry.stop() }
      let state = try scratch.directory("worker").path
      var extra = ["CKIT_CGROUP_PARENT": scratch.cgroupParent()]
      extra["CKIT_RUNTIME"] = ProcessInfo.processInfo.environment["CKIT_TEST_RUNTIME"]
      let result = try Command.run(
        [
          products.appendingPathComponent("engine-worker").path, "\(registry.host)/library/busybox:latest", state,
          "echo one; echo done; exec sleep 600", "echo two; echo done; exec sleep 600", "echo three; exit 4",
        ], check: false, environment: environment(extra))
      #expect(result.status == 0, "\(result.stderr)")
      let all = Set(result.stdout.split(separator: "\n").map(String.init))
      // The two jobs still running when sampled have a memory figure; the one that ended may have none.
      #expect(all.isSuperset(of: ["job 1: memory in use", "job 2: memory in use"]), "\(result.stdout)")
      let lines = all.filter { !$0.contains(": memory ") }
      #expect(
        lines == [
          "job 1: one", "job 1: done", "job 1: exit 137", "job 2: two", "job 2: done", "job 2: exit 137",
          "job 3: three", "job 3: exit 4",
        ], "\(result.stdout)")
      let left = try await ContainerEngine(configuration: EngineConfiguration(root: state)).list()
      #expect(left.isEmpty, "\(left.map(\.name))")
    }
  }
}
