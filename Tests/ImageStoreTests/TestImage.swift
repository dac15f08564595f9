import Foundation
import ImageStore
import LayerFS
import OCI
import TestSupport

/// Builds small images straight into a store: gzip layers from `TarFixture` entries, an OCI config and manifest.
enum TestImage {
  static func make(in store: ImageStore, name: String, layers: [[TarFixture.Entry]], scratch: String) async throws
    -> Image
  {
    var tars: [String] = []
    for (i, entries) in layers.enumerated() {
      tars.append(try TarFixture.write(entries, to: scratch + "/layer-\(UUID().uuidString.prefix(6))-\(i).tar"))
    }
    return try await make(in: store, name: name, tarballs: tars)
  }

  /// An image of the plain tars at `tarballs` (gzipped into the store; the files are consumed).
  static func make(in store: ImageStore, name: String, tarballs: [String]) async throws -> Image {
    var descs: [Descriptor] = []
    var diffIDs: [Digest] = []
    for path in tarballs {
      let raw = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
      diffIDs.append(.sha256(of: raw))
      try TarFixture.run("/usr/bin/gzip", ["-n", "-f", path])
      let gz = try Array(Data(contentsOf: URL(fileURLWithPath: path + ".gz")))
      try? FileManager.default.removeItem(atPath: path + ".gz")
      descs.append(try await store.content.write(gz, mediaType: MediaType.ociLayerGzip))
    }
    var config = ImageConfiguration(created: "2024-01-01T00:00:00Z", rootfs: .init(diffIDs: diffIDs))
    var cc = ImageConfiguration.ContainerConfig()
    cc.cmd = ["/bin/sh"]
    config.config = cc
    let configDesc = try await store.content.write(Array(try SpecJSON.encode(config)), mediaType: MediaType.ociConfig)
    let manifest = ImageManifest(config: configDesc, layers: descs)
    let m = try await store.content.write(Array(try SpecJSON.encode(manifest)), mediaType: MediaType.ociManifest)
    try await store.setImage(name: name, descriptor: m)
    return try await store.image(named: name)
  }

  static let base: [[TarFixture.Entry]] = [
    [
      .dir("etc"), .file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"), .file("etc/group", "root:x:0:\n"),
      .dir("var"), .dir("var/cache"), .file("var/cache/a", "a"), .file("var/cache/b", "b"), .dir("bin"),
      .file("bin/tool", "#!/bin/sh\n", mode: 0o755),
    ],
    [.dir("etc"), .file("etc/motd", "welcome\n"), .dir("var"), .dir("var/cache"), .file("var/cache/.wh.b")],
  ]
}

/// Runs `body` with an image store on the vfs driver in a scratch root of its own (cleaned up however the body
/// ends): the opening of the store tests that need no overlay.
func withVFSStore(_ body: (ImageStore, ScratchRoot) async throws -> Void) async throws {
  try await withScratchRoot { scratch in
    try await body(try await ImageStore(root: try scratch.directory("store"), driver: VFSDriver()), scratch)
  }
}
