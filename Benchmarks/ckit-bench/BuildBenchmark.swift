import Builder
import ContainerKit
import Foundation
import ImageStore
import OCI

/// Image builds for `scripts/bench/build.sh` (run beside `buildah bud` by hyperfine):
///
/// - `setup ROOT LAYOUT`: opens (creates) a store at ROOT and imports the OCI layout as `busybox:latest`.
/// - `run ROOT CONTEXT`: builds CONTEXT/Dockerfile as `bench:latest` (what one `ckit build` does).
/// - `loop ROOT CONTEXT N`: N builds in one process, printing the mean; with a warm cache this is the cost of a
///   fully cached build without process start-up.
enum BuildBenchmark {
  static func run(_ args: [String]) async throws {
    switch args.first {
    case "setup" where args.count == 3:
      let store = try await ImageStore(root: URL(fileURLWithPath: args[1]))
      _ = try await store.importOCILayout(at: URL(fileURLWithPath: args[2]), tag: "busybox:latest")
    case "run" where args.count == 3:
      let (builder, context, dockerfile) = try await open(args[1], args[2])
      let r = try await builder.build(
        dockerfile: dockerfile, context: context, options: BuildOptions(tags: ["bench:latest"]))
      print(r.imageID.shortID)
    case "loop" where args.count == 4:
      let (builder, context, dockerfile) = try await open(args[1], args[2])
      let n = Int(args[3]) ?? 100
      let clock = ContinuousClock()
      var total = Duration.zero
      for _ in 0..<n {
        let start = clock.now
        _ = try await builder.build(
          dockerfile: dockerfile, context: context, options: BuildOptions(tags: ["bench:latest"]))
        total += clock.now - start
      }
      let ms = Double(total.components.seconds) * 1000 + Double(total.components.attoseconds) / 1e15
      print(String(format: "in-process build: %.3f ms mean over %d", ms / Double(n), n))
    default:
      print("usage: ckit-bench build setup ROOT LAYOUT | run ROOT CONTEXT | loop ROOT CONTEXT N")
      exit(2)
    }
  }

  static func open(_ root: String, _ ctx: String) async throws -> (ImageBuilder, BuildContext, String) {
    let rootURL = URL(fileURLWithPath: root)
    let store = try await ImageStore(root: rootURL)
    let runtime = ContainerRuntime.detectingCgroups(root: root + "/run", cgroupParent: "ckit-bench-build")
    let builder = try ImageBuilder(
      storage: StoreBuildStorage(store: store), executor: RuntimeBuildExecutor(runtime: runtime), root: rootURL)
    let context = try BuildContext(directory: URL(fileURLWithPath: ctx))
    let dockerfile = try String(contentsOfFile: ctx + "/Dockerfile", encoding: .utf8)
    return (builder, context, dockerfile)
  }
}
