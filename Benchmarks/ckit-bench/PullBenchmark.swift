import Foundation
import ImageStore
import OCI
import RegistryClient

/// `ckit-bench pull REFERENCE STORE_DIR [--blobs-only]`: one pull from a registry to ready-to-run (blobs in the
/// content store, layers unpacked, image named) into a fresh store; `--blobs-only` stops at the content store.
/// scripts/bench/pull.sh times it beside `skopeo copy` + `umoci unpack` with hyperfine.
enum PullBenchmark {
  static func run(_ args: [String]) async throws {
    guard args.count >= 2 else {
      print("usage: ckit-bench pull REFERENCE STORE_DIR [--blobs-only]")
      exit(2)
    }
    let reference = try ImageReference(parsing: args[0])
    let store = try await ImageStore(root: URL(fileURLWithPath: args[1]))
    let blobsOnly = args.contains("--blobs-only")
    let start = ContinuousClock.now
    let layers: Int
    do {
      layers = try await RegistryClient.withClient { client in
        if blobsOnly {
          return try await client.pull(reference, platform: store.platform, into: store.content).manifest.layers
            .count
        }
        return try await store.pull(reference, using: client).manifest.layers.count
      }
    } catch {
      FileHandle.standardError.write(Data("ckit-bench pull: \(error)\n".utf8))
      exit(1)
    }
    let elapsed = ContinuousClock.now - start
    FileHandle.standardError.write(Data("pulled \(reference) (\(layers) layers) in \(elapsed)\n".utf8))
  }
}
