import ContainerKit
import Foundation
import ImageStore
import OCI
import TestSupport
import Testing

@testable import Builder

/// `--cache-from`: an image copied into a fresh builder root (empty step cache) satisfies the steps whose history
/// it continues, with the real store and runtime.
@Suite("Cache from images", .serialized)
struct CacheFromTests {
  typealias Env = BuildEndToEndTests.Env

  func env(_ scratch: ScratchRoot, _ name: String, context: URL) async throws -> Env {
    try await BuildEndToEndTests.env(scratch, name, context: context)
  }

  func build(_ e: Env, _ dockerfile: String, _ options: BuildOptions) async throws -> (
    BuildResult, BuildEndToEndTests.Log
  ) { try await BuildEndToEndTests.build(e, dockerfile, options) }

  static let dockerfile = """
    FROM busybox
    ENV GREETING=hello
    RUN echo "$GREETING" > /greeting
    COPY a.txt /a.txt
    CMD ["cat", "/greeting", "/a.txt"]
    """

  @Test(.enabled(if: isRoot, "requires root")) func copiedImageSatisfiesEveryStepInAFreshRoot() async throws {
    try await withScratchRoot { scratch in
      let ctx = try scratch.directory("ctx")
      try FileTree.write(["a.txt": "payload\n"], in: ctx)
      let r1 = try await env(scratch, "r1", context: ctx)
      let (a, _) = try await build(r1, Self.dockerfile, BuildOptions(tags: ["app:a"]))
      #expect(a.executedSteps == 2, "RUN and COPY run in the first root")

      // Copy A into a fresh root through an OCI layout (blobs byte for byte).
      let layout = try scratch.directory("layout")
      try await r1.store.exportOCILayout(["app:a"], to: layout)
      let r2 = try await env(scratch, "r2", context: ctx)
      _ = try await r2.store.importOCILayout(at: layout, tag: "cache:a")

      let (b, log) = try await build(r2, Self.dockerfile, BuildOptions(tags: ["app:b"], cacheFrom: ["cache:a"]))
      #expect(b.executedSteps == 0, "no RUN or COPY executed")
      #expect(b.cachedSteps == 4)
      #expect(log.all.filter { $0 == .usingCache }.count == 4)
      #expect(log.text.contains(" ---> Using cache"))
      #expect(b.state.layers.map(\.digest) == a.state.layers.map(\.digest))
      #expect(b.state.config.rootfs.diffIDs == a.state.config.rootfs.diffIDs)
      #expect(b.state.config.history?.map(\.createdBy) == a.state.config.history?.map(\.createdBy))
      #expect(b.imageID == a.imageID, "the same config, byte for byte: the same image")
      #expect(b.state.config.config?.cmd == ["cat", "/greeting", "/a.txt"])
      #expect(b.state.config.config?.env?.contains("GREETING=hello") == true)

      // The hits were recorded in R2's own cache: the same build without --cache-from is cached too.
      let (again, _) = try await build(r2, Self.dockerfile, BuildOptions(tags: ["app:c"]))
      #expect(again.executedSteps == 0)
      #expect(again.imageID == b.imageID)

      // A changed COPY source: the steps before it still come from A, the COPY runs.
      try FileTree.write(["a.txt": "changed\n"], in: ctx)
      let r3 = try await env(scratch, "r3", context: ctx)
      let layout3 = try scratch.directory("layout3")
      try await r1.store.exportOCILayout(["app:a"], to: layout3)
      _ = try await r3.store.importOCILayout(at: layout3, tag: "cache:a")
      let (d, _) = try await build(r3, Self.dockerfile, BuildOptions(tags: ["app:d"], cacheFrom: ["cache:a"]))
      #expect(d.executedSteps == 1, "only the COPY")
      #expect(d.cachedSteps == 2, "ENV and RUN")
      #expect(d.state.layers.prefix(2).map(\.digest) == a.state.layers.prefix(2).map(\.digest))
      #expect(d.state.layers.last?.digest != a.state.layers.last?.digest)
    }
  }

  @Test(.enabled(if: isRoot, "requires root")) func withoutCacheFromTheRunExecutes() async throws {
    try await withScratchRoot { scratch in
      let ctx = try scratch.directory("ctx")
      try FileTree.write(["a.txt": "payload\n"], in: ctx)
      let r1 = try await env(scratch, "r1", context: ctx)
      _ = try await build(r1, Self.dockerfile, BuildOptions(tags: ["app:a"]))
      let layout = try scratch.directory("layout")
      try await r1.store.exportOCILayout(["app:a"], to: layout)
      let r2 = try await env(scratch, "r2", context: ctx)
      _ = try await r2.store.importOCILayout(at: layout, tag: "cache:a")

      let (plain, _) = try await build(r2, Self.dockerfile, BuildOptions(tags: ["app:b"]))
      #expect(plain.executedSteps == 2, "RUN and COPY execute without --cache-from")
      #expect(plain.cachedSteps == 0)

      // A missing cache source is skipped, not an error; --no-cache ignores cache sources.
      let (nc, _) = try await build(
        r2, Self.dockerfile, BuildOptions(tags: ["app:c"], noCache: true, cacheFrom: ["cache:a", "nonexistent:1"]))
      #expect(nc.executedSteps == 2)
      #expect(nc.cachedSteps == 0)
    }
  }

  /// The matching rule alone: the candidate's history must continue the state's exactly.
  @Test func continuationRequiresAnExactHistoryPrefix() throws {
    let l1 = Descriptor(mediaType: MediaType.ociLayerGzip, digest: Digest.sha256(of: [1]), size: 1)
    let l2 = Descriptor(mediaType: MediaType.ociLayerGzip, digest: Digest.sha256(of: [2]), size: 1)
    let d1 = Digest.sha256(of: [11])
    let d2 = Digest.sha256(of: [12])
    func state(_ history: [(String, Bool)], _ layers: [Descriptor], _ diffIDs: [Digest]) -> BuildState {
      var c = ImageConfiguration(config: ImageConfiguration.ContainerConfig())
      c.history = history.map { ImageConfiguration.History(createdBy: $0.0, emptyLayer: $0.1 ? true : nil) }
      c.rootfs.diffIDs = diffIDs
      return BuildState(config: c, layers: layers, cacheID: Digest.sha256(of: [0]))
    }
    let base = state([("ADD rootfs", false)], [l1], [d1])
    let candidate = state(
      [("ADD rootfs", false), ("#(nop) ENV A=1", true), ("RUN make", false)], [l1, l2], [d1, d2])

    let env = try #require(
      BuildSession.continuation(of: base, in: candidate, createdBy: "#(nop) ENV A=1", config: nil))
    #expect(env.layers == [l1])
    #expect(env.config.history?.count == 2)
    let run = try #require(BuildSession.continuation(of: env, in: candidate, createdBy: "RUN make", config: nil))
    #expect(run.layers == [l1, l2])
    #expect(run.config.rootfs.diffIDs == [d1, d2])

    #expect(BuildSession.continuation(of: env, in: candidate, createdBy: "RUN other", config: nil) == nil)
    #expect(BuildSession.continuation(of: base, in: candidate, createdBy: "RUN make", config: nil) == nil)
    let otherBase = state([("ADD rootfs", false)], [l2], [d2])
    #expect(BuildSession.continuation(of: otherBase, in: candidate, createdBy: "#(nop) ENV A=1", config: nil) == nil)
    #expect(BuildSession.continuation(of: run, in: candidate, createdBy: "RUN make", config: nil) == nil)
  }
}
