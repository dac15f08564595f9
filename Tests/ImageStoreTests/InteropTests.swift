import Foundation
import ImageStore
import LayerFS
import OCI
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Images go both ways between ContainerKit and independent tools: umoci (writer of the busybox fixture) and
/// skopeo read what ContainerKit writes and see the same diffIDs.
@Suite struct InteropTests {
  func diffIDs(skopeo ref: String) throws -> [String] {
    let out = try Command.run(["skopeo", "inspect", "--config", ref]).stdout
    let json = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any]
    return ((json?["rootfs"] as? [String: Any])?["diff_ids"] as? [String]) ?? []
  }

  @Test(.enabled(if: isRoot, "requires root"))
  func umociLayoutImportsAndRuns() async throws {
    try await withScratchRoot { scratch in
      let store = try await ImageStore(root: try scratch.directory("store"))
      let imported = try await store.importOCILayout(at: try BusyboxImage.layout(), tag: "busybox:latest")
      #expect(imported.count == 1)
      let img = try await store.image(named: "busybox")
      #expect(img.descriptor.digest.description == (try BusyboxImage.manifestDigest()))
      let layerTar = try Array(Data(contentsOf: try BusyboxImage.layerTar()))
      #expect(img.config.rootfs.diffIDs == [Digest.sha256(of: layerTar)])
      let snap = try await store.prepareSnapshot(for: img, id: "bb")
      #expect(FileManager.default.isExecutableFile(atPath: snap.rootfs + "/bin/busybox"))
      var st = stat()
      #expect(lstat(snap.rootfs + "/tmp", &st) == 0 && st.st_mode & 0o7777 == 0o1777)
      #expect(try FileManager.default.destinationOfSymbolicLink(atPath: snap.rootfs + "/bin/sh") == "busybox")
      try await store.removeSnapshot(snap)
      let listed = try await store.images()
      #expect(listed.count == 1 && listed[0].repository == "busybox" && listed[0].tag == "latest")
      #expect(listed[0].id == img.id && listed[0].size == Int64(layerTar.count))
    }
  }

  @Test(.enabled(if: isRoot, "requires root"))
  func exportedLayoutIsReadBySkopeoAndUmoci() async throws {
    try await withScratchRoot { scratch in
      let store = try await ImageStore(root: try scratch.directory("store"))
      let base = try await store.importOCILayout(at: try BusyboxImage.layout(), tag: "busybox:latest")[0]
      // A committed image too, so a ContainerKit-written layer (with a whiteout) goes through the peers.
      let snap = try await store.prepareSnapshot(for: base, id: "c")
      #expect(unlink(snap.rootfs + "/etc/passwd") == 0)
      try "x".write(toFile: snap.rootfs + "/root/new", atomically: false, encoding: .utf8)
      let committed = try await store.commit(snapshot: snap, message: "interop", tag: "busybox:committed")
      try await store.removeSnapshot(snap)

      let out = try scratch.directory("layout")
      try await store.exportOCILayout(["busybox:latest", "busybox:committed"], to: out)
      #expect(try diffIDs(skopeo: "oci:\(out.path):latest") == base.config.rootfs.diffIDs.map(\.description))
      #expect(
        try diffIDs(skopeo: "oci:\(out.path):committed") == committed.config.rootfs.diffIDs.map(\.description))
      let copy = scratch.path.appendingPathComponent("copy").path
      try Command.run(["skopeo", "copy", "oci:\(out.path):committed", "oci:\(copy):again"])

      let bundle = scratch.path.appendingPathComponent("bundle").path
      try Command.run(["umoci", "unpack", "--image", "\(out.path):committed", bundle])
      #expect(FileManager.default.fileExists(atPath: bundle + "/rootfs/root/new"))
      #expect(!FileManager.default.fileExists(atPath: bundle + "/rootfs/etc/passwd"))
      #expect(FileManager.default.fileExists(atPath: bundle + "/rootfs/etc/group"))

      // And back: what skopeo wrote, ContainerKit reads.
      let back = try await ImageStore(root: try scratch.directory("store2"))
      let reread = try await back.importOCILayout(at: URL(fileURLWithPath: copy), tag: "again:1")[0]
      #expect(reread.config.rootfs.diffIDs == committed.config.rootfs.diffIDs)
    }
  }

  @Test func dockerArchiveRoundTripsAndSkopeoReadsIt() async throws {
    try await withVFSStore { store, scratch in
      let img = try await store.importOCILayout(at: try BusyboxImage.layout(), tag: "busybox:latest")[0]
      let archive = scratch.path.appendingPathComponent("busybox.tar")
      try await store.save(["busybox:latest"], toDockerArchive: archive)
      #expect(try diffIDs(skopeo: "docker-archive:\(archive.path)") == img.config.rootfs.diffIDs.map(\.description))

      let other = try await ImageStore(root: try scratch.directory("other"), driver: VFSDriver())
      let loaded = try await other.load(dockerArchive: archive)
      #expect(loaded.count == 1)
      #expect(loaded[0].id == img.id)
      #expect(loaded[0].names == ["busybox:latest"])
      #expect(try await other.image(named: "busybox:latest").config.rootfs.diffIDs == img.config.rootfs.diffIDs)

      // skopeo writes a docker-archive, ContainerKit loads it.
      let fromSkopeo = scratch.path.appendingPathComponent("skopeo.tar").path
      try Command.run([
        "skopeo", "copy", "oci:\(try BusyboxImage.layout().path):latest", "docker-archive:\(fromSkopeo):bb:skopeo",
      ])
      let third = try await ImageStore(root: try scratch.directory("third"), driver: VFSDriver())
      let l3 = try await third.load(dockerArchive: URL(fileURLWithPath: fromSkopeo))
      #expect(l3.first?.config.rootfs.diffIDs == img.config.rootfs.diffIDs)
      #expect(try await third.images().map(\.repository) == ["bb"])
    }
  }

  @Test func hostileDockerArchiveIsRefused() async throws {
    try await withScratchRoot { scratch in
      let archive = try TarFixture.write(
        [.file("manifest.json", #"[{"Config":"../../etc/passwd","Layers":[]}]"#)],
        to: scratch.path.appendingPathComponent("evil.tar").path)
      let store = try await ImageStore(root: try scratch.directory("store"), driver: VFSDriver())
      await #expect(throws: ImageStoreError.self) { try await store.load(dockerArchive: URL(fileURLWithPath: archive)) }
      #expect(try await store.images().isEmpty)
    }
  }
}
