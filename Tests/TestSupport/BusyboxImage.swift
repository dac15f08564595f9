import Foundation

/// A real busybox image, built from Debian's `busybox-static` by an independent producer (umoci), so the project's
/// readers are tested against images it did not write.
///
/// `scripts/fixtures/busybox-image.sh` builds it (the demo uses the same script); it is deterministic, so the same
/// busybox binary always gives the same manifest digest. It is built once per machine and busybox version, under a file lock, and shared by all
/// tests, which must treat it as read-only.
public enum BusyboxImage {
  /// The tag inside the layout.
  public static let tag = "latest"

  /// The OCI image layout directory (`oci-layout`, `index.json`, `blobs/`), tagged `latest`.
  public static func layout() throws -> URL {
    try build().appendingPathComponent("layout")
  }

  /// The image's file tree as a plain directory (what the layer contains). Copy it before changing anything.
  public static func rootfsTemplate() throws -> URL {
    try build().appendingPathComponent("rootfs")
  }

  /// The uncompressed layer tar.
  public static func layerTar() throws -> URL {
    try build().appendingPathComponent("layer.tar")
  }

  /// The manifest digest of the layout's `latest`, as written in `index.json`.
  public static func manifestDigest() throws -> String {
    let data = try Data(contentsOf: try layout().appendingPathComponent("index.json"))
    guard let index = try JSONSerialization.jsonObject(with: data) as? [String: Any],
      let manifests = index["manifests"] as? [[String: Any]], let digest = manifests.first?["digest"] as? String
    else { throw FixtureError.broken("busybox index.json has no manifest") }
    return digest
  }

  static func build() throws -> URL {
    let busybox = "/bin/busybox"
    guard FileManager.default.isExecutableFile(atPath: busybox) else {
      throw FixtureError.missingTool("busybox-static (/bin/busybox); run scripts/install-deps.sh")
    }
    let script = RepoPaths.scripts.appendingPathComponent("fixtures/busybox-image.sh").path
    // Keyed by the busybox binary and the script that packs it: a change to either makes a new fixture.
    let version = try Command.run(["sh", "-c", "cat \"$0\" \"$1\" | sha256sum", busybox, script]).stdout.prefix(12)
    let base = FixtureCache.directory.appendingPathComponent("busybox-\(version)")
    let done = base.appendingPathComponent(".complete")
    if FileManager.default.fileExists(atPath: done.path) { return base }

    let lock = try FileLock(path: FixtureCache.directory.appendingPathComponent(".busybox.lock").path)
    defer { _ = lock }
    if FileManager.default.fileExists(atPath: done.path) { return base }

    let fm = FileManager.default
    let work = FixtureCache.directory.appendingPathComponent("busybox-build-\(UUID().uuidString)")
    defer { try? fm.removeItem(at: work) }
    try Command.run([script, work.path])
    try? fm.removeItem(at: base)
    try fm.moveItem(at: work, to: base)
    fm.createFile(atPath: done.path, contents: nil)
    return base
  }
}

/// Where machine-wide fixtures are cached between test runs.
public enum FixtureCache {
  public static let directory: URL = {
    let url = URL(fileURLWithPath: "/tmp/ckit-fixtures")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }()
}

/// Why a fixture could not be set up: what the test's failure says, not something a test tells apart.
public struct FixtureError: Error, CustomStringConvertible {
  public let description: String

  /// A tool the fixture runs is not installed.
  public static func missingTool(_ tool: String) -> Self { Self(description: "fixture needs \(tool)") }
  /// The fixture started but did not work.
  public static func broken(_ what: String) -> Self { Self(description: "fixture broken: \(what)") }
  /// The fixture did not become ready in time.
  public static func timeout(_ what: String) -> Self { Self(description: "fixture timed out: \(what)") }
}

/// Paths inside the repository, found from this file's location so tests work from any clone.
public enum RepoPaths {
  public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
  public static let scripts = root.appendingPathComponent("scripts")
  /// `../shared` beside the repository (third-party conformance data; CI has it).
  public static let shared = root.deletingLastPathComponent().appendingPathComponent("shared")
}
