import Foundation
import ImageStore
import LayerFS
import OCI
import TestSupport
import Testing

@Suite struct MaintenanceTests {
  @Test func gcKeepsWhatImagesSnapshotsAndLeasesReach() async throws {
    try await withVFSStore { store, scratch in
      let keep = try await TestImage.make(
        in: store, name: "keep:1", layers: [[.file("k", "keep")]], scratch: scratch.path.path)
      let drop = try await TestImage.make(
        in: store, name: "drop:1", layers: [[.file("d", "drop")]], scratch: scratch.path.path)
      let held = try await TestImage.make(
        in: store, name: "held:1", layers: [[.file("s", "snap")]], scratch: scratch.path.path)
      let leased = try await store.content.write(Array("in-flight pull".utf8), mediaType: "application/octet-stream")
      let loose = try await store.content.write(Array("nobody".utf8), mediaType: "application/octet-stream")
      try await store.addLease("pull-1", digests: [leased.digest])
      let snap = try await store.prepareSnapshot(for: held, id: "running")
      try await store.untag("drop:1")
      try await store.untag("held:1")

      let report = try await store.gc()
      #expect(Set(report.removedBlobs).isSuperset(of: [drop.descriptor.digest, drop.id, loose.digest]))
      #expect(report.removedBlobs.count == 4)  // drop's manifest, config, layer + the loose blob
      for d in [keep.descriptor.digest, keep.id, held.descriptor.digest, leased.digest]
        + held.manifest.layers.map(
          \.digest)
      {
        #expect(await store.content.contains(d), "gc removed \(d)")
      }
      try await store.removeSnapshot(snap)
      try await store.removeLease("pull-1")
      let second = try await store.gc()
      #expect(second.removedBlobs.contains(held.descriptor.digest))
      #expect(second.removedBlobs.contains(leased.digest))
      #expect(try await store.fsck().isClean)
    }
  }

  @Test func fsckFindsAndRepairsDamage() async throws {
    try await withScratchRoot { scratch in
      let root = try scratch.directory("store")
      let store = try await ImageStore(root: root, driver: VFSDriver())
      let a = try await TestImage.make(in: store, name: "a:1", layers: [[.file("a", "a")]], scratch: scratch.path.path)
      let b = try await TestImage.make(in: store, name: "b:1", layers: [[.file("b", "b")]], scratch: scratch.path.path)
      #expect(try await store.fsck().isClean)
      // A dangling name, a corrupt blob, a missing layer, an orphan snapshot, a failed unpack.
      unlink(store.content.path(for: a.descriptor.digest))
      try FileOps.writeAtomically(store.content.path(for: b.id), Array("{}".utf8))
      try FileOps.makeDirectories(root.path + "/snapshots/ghost/rootfs")
      try FileOps.makeDirectories(root.path + "/layers/.tmp-sha256-00-1/diff")

      let found = try await store.fsck()
      #expect(found.problems.contains(.danglingImage(name: "a:1", digest: a.descriptor.digest)))
      #expect(found.problems.contains(.corruptBlob(b.id)))
      #expect(found.problems.contains(.orphanSnapshot("ghost")))
      #expect(found.problems.contains(.orphanLayer(".tmp-sha256-00-1")))

      let repaired = try await store.fsck(repair: true)
      #expect(repaired.repaired)
      let after = try await store.fsck()
      // b's config is gone for good (corrupt, removed): only a re-pull fixes that, and fsck still says so.
      #expect(after.problems == [.missingBlob(b.id, referencedBy: b.descriptor.digest)])
      #expect(try await store.images().isEmpty)
    }
  }

  /// kill -9 of a process in the middle of an ingest: no visible partial blob, fsck passes, and the ingest
  /// resumes where the dead process stopped.
  @Test func killedIngestLeavesNoPartialBlob() async throws {
    try await withScratchRoot { scratch in
      let root = try scratch.directory("store")
      let bench = try #require(
        RepoPaths.builtProduct("ckit-bench"), "ckit-bench must be built (swift build --build-tests)")
      let size = 3_000_000
      let (p, out) = try Subprocess.withStdoutPipe([bench.path, "layerfs", "ingest-hold", root.path, "\(size)"])
      let line = String(decoding: out.availableData, as: UTF8.self)
      #expect(line.hasPrefix("ready "))
      p.signal(SIGKILL)
      #expect(p.waitUntilExit() == SIGKILL && p.endedBySignal)

      let digest = try Digest(parsing: String(line.dropFirst(6)).trimmingCharacters(in: .whitespacesAndNewlines))
      let store = try await ImageStore(root: root, driver: VFSDriver())
      #expect(await store.content.contains(digest) == false)
      #expect(try FileOps.listDirectory(root.path + "/blobs/sha256").isEmpty)
      let report = try await store.fsck()
      #expect(report.isClean)
      #expect(report.abandonedIngests == 1)

      let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
      let w = try await store.content.ingestWriter(
        Descriptor(mediaType: "application/octet-stream", digest: digest, size: Int64(size)))
      #expect(w.offset == Int64(size / 2))
      try w.writeTyped(bytes: Array(bytes[(size / 2)...]))
      try w.commitTyped()
      try await store.content.verify(digest)
      #expect(try await store.fsck().abandonedIngests == 0)
    }
  }
}

@Suite struct FailedUnpackTests {
  /// A hostile layer in a stored image: prepare fails naming the entry, nothing is written outside, and the
  /// half-unpacked layer is removed before the error is thrown: the store checks clean.
  @Test(.enabled(if: isRoot, "requires root")) func hostileLayerFailsPrepareAndLeavesNothing() async throws {
    try await withScratchRoot { scratch in
      let root = try scratch.directory("store")
      let store = try await ImageStore(root: root, driver: OverlayDriver())
      let img = try await TestImage.make(
        in: store, name: "evil:1", layers: [[.file("ok", "fine"), .file("../../escaped", "x")]],
        scratch: scratch.path.path)
      do {
        _ = try await store.prepareSnapshot(for: img, id: "victim")
        Issue.record("prepare of a hostile layer succeeded")
      } catch let ImageStoreError.layer(.unsafeEntry(entry, _)) {
        #expect(entry == "../../escaped")
      }
      #expect(!FileOps.exists(scratch.path.path + "/escaped") && !FileOps.exists(root.path + "/escaped"))
      #expect(try FileOps.listDirectory(root.path + "/snapshots").isEmpty)
      #expect(try FileOps.listDirectory(root.path + "/layers").filter { $0.hasPrefix(".tmp-") }.isEmpty)
      #expect(try await store.fsck().isClean)
    }
  }

  /// A gzip bomb as an image layer (16 MiB of zeros in 16 KiB of gzip) against a store whose ratio bound it
  /// passes: prepare fails naming the layer and the bound, and nothing of the layer is left (fsck is clean). Then
  /// the same layer against the absolute cap, on the vfs driver (which applies layers straight into the snapshot).
  @Test(.enabled(if: isRoot, "requires root")) func aGzipBombLayerIsRefusedAndLeavesNothing() async throws {
    try await withScratchRoot { scratch in
      let tar = scratch.path.path + "/bomb.tar"
      try Command.run([
        "sh", "-c", "cd \(scratch.path.path) && head -c 16777216 /dev/zero > zeros && tar -cf \(tar) zeros && rm zeros",
      ])
      let limits = UnpackLimits(maxRatio: 100, ratioFloor: 1 << 20)
      let root = try scratch.directory("store")
      let store = try await ImageStore(root: root, driver: OverlayDriver(), limits: limits)
      let img = try await TestImage.make(in: store, name: "bomb:1", tarballs: [tar])
      let layer = img.manifest.layers[0]
      do {
        _ = try await store.prepareSnapshot(for: img, id: "bombed")
        Issue.record("a layer expanding \(16 << 20) bytes from \(layer.size) unpacked under \(limits)")
      } catch let ImageStoreError.layer(.limitExceeded(what, exceeded)) {
        #expect(what == "layer \(layer.digest)")
        #expect(
          exceeded == .ratio(limit: limits.allowedSize(compressed: layer.size), ratio: 100, compressed: layer.size))
      }
      #expect(try FileOps.listDirectory(root.path + "/layers").filter { !$0.hasSuffix(".lock") }.isEmpty)
      #expect(try FileOps.listDirectory(root.path + "/snapshots").isEmpty)
      #expect(try await store.fsck().isClean)

      try Command.run([
        "sh", "-c", "cd \(scratch.path.path) && head -c 16777216 /dev/zero > zeros && tar -cf \(tar) zeros && rm zeros",
      ])
      let vfsRoot = try scratch.directory("vfs-store")
      let capped = UnpackLimits(maxSize: 4 << 20)
      let vfs = try await ImageStore(root: vfsRoot, driver: VFSDriver(limits: capped), limits: capped)
      let again = try await TestImage.make(in: vfs, name: "bomb:1", tarballs: [tar])
      await #expect(throws: ImageStoreError.self) { _ = try await vfs.prepareSnapshot(for: again, id: "bombed") }
      #expect(try FileOps.listDirectory(vfsRoot.path + "/snapshots").isEmpty)
      #expect(try await vfs.fsck().isClean)
    }
  }

  /// `load` of a docker-archive whose layer is a gzip bomb: refused while hashing the layer (inflating it costs
  /// time even when nothing is written), naming the layer and the bound; no image, and the store checks clean.
  @Test func aDockerArchiveWithABombLayerIsRefused() async throws {
    try await withScratchRoot { scratch in
      let dir = try scratch.directory("archive")
      let d = dir.path
      let sum = try Command.run([
        "sh", "-c",
        "cd \(d) && head -c 33554432 /dev/zero > zeros && tar -cf layer.tar zeros && rm zeros"
          + " && sha256sum layer.tar | cut -d' ' -f1 && gzip -9 -n layer.tar",
      ]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
      try #"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:\#(sum)"]}}"#
        .write(toFile: d + "/config.json", atomically: false, encoding: .utf8)
      try #"[{"Config":"config.json","RepoTags":["bomb:1"],"Layers":["layer.tar.gz"]}]"#
        .write(toFile: d + "/manifest.json", atomically: false, encoding: .utf8)
      let archive = scratch.path.path + "/bomb-archive.tar"
      try Command.run(["tar", "-cf", archive, "-C", d, "manifest.json", "config.json", "layer.tar.gz"])
      let store = try await ImageStore(
        root: try scratch.directory("store"), driver: VFSDriver(), limits: UnpackLimits(maxSize: 8 << 20))
      do {
        _ = try await store.load(dockerArchive: URL(fileURLWithPath: archive))
        Issue.record("a 32 MiB layer loaded under an 8 MiB bound")
      } catch let ImageStoreError.layer(.limitExceeded(what, exceeded)) {
        #expect(what.hasSuffix("/layer.tar.gz") && exceeded == .size(limit: 8 << 20), "\(what) \(exceeded)")
      }
      #expect(try await store.images().isEmpty)
      #expect(try await store.fsck().isClean)
    }
  }

  /// An index (as a multi-platform pull stores it) resolves to this platform's manifest; other platforms' blobs
  /// need not be present, and gc keeps what the index reaches.
  @Test func indexResolvesToThePlatformManifest() async throws {
    try await withVFSStore { store, scratch in
      let img = try await TestImage.make(
        in: store, name: "tmp:1", layers: [[.file("f", "here")]], scratch: scratch.path.path)
      let absent = Descriptor(
        mediaType: MediaType.ociManifest, digest: .sha256(of: Array("elsewhere".utf8)), size: 9,
        platform: Platform(architecture: "s390x"))
      var here = img.descriptor
      here.platform = .current
      let index = ImageIndex(manifests: [absent, here])
      let idx = try await store.content.write(Array(try SpecJSON.encode(index)), mediaType: MediaType.ociIndex)
      try await store.setImage(name: "multi:1", descriptor: idx)
      try await store.untag("tmp:1")
      let resolved = try await store.image(named: "multi:1")
      #expect(resolved.descriptor.digest == img.descriptor.digest)
      #expect(resolved.names == ["multi:1"])
      let gc = try await store.gc()
      #expect(gc.removedBlobs.isEmpty)
      #expect(try await store.fsck().isClean)
      let s390 = try await ImageStore(
        root: scratch.path.appendingPathComponent("store"), driver: VFSDriver(),
        platform: Platform(architecture: "s390x"))
      await #expect(throws: ImageStoreError.self) {
        _ = try await s390.prepareSnapshot(for: try await s390.image(named: "multi:1"), id: "x")
      }
    }
  }
}
