// Benchmarks that need the library in-process. Each area adds a case; scripts/bench/*.sh run them beside the peers.
import Foundation

let args = Array(CommandLine.arguments.dropFirst())
guard let name = args.first else {
  print("usage: ckit-bench NAME [ARGS...]")
  exit(2)
}
switch name {
case "cgroups": try await CgroupsBenchmark.run(Array(args.dropFirst()))
case "layerfs": try await LayerFSBenchmark.run(Array(args.dropFirst()))
case "build": try await BuildBenchmark.run(Array(args.dropFirst()))
case "parser": try await ParserBenchmark.run(Array(args.dropFirst()))
case "pull": try await PullBenchmark.run(Array(args.dropFirst()))
case "runtime": try await RuntimeBenchmark.run(Array(args.dropFirst()))
case "engine-density": try await EngineDensityBenchmark.run(Array(args.dropFirst()))
case "network": try await NetworkBenchmark.run(Array(args.dropFirst()))
default:
  print("ckit-bench: unknown benchmark \(name)")
  exit(2)
}
