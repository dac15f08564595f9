import Foundation

/// A real busybox image, built from Debian's `busybox-static` by an independent producer (umoci), so the project's
/// readers are tested against images it did not write.
///
/// The build is deterministic (sorted tar, zero mtimes, fixed created times): the same busybox binary always gives
/// the same manifest digest. It is built once per machine and busybox version, under a file lock, and shared by all
/// tests, which must treat it as read-only.
public enum BusyboxImage {
  /// The tag inside the layout.
  public static let tag = "latest"

  /// Fixed time stamps, so digests do not depend on when the fixture was built.
  static let epoch = "1970-01-01T00:00:00Z"

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
    let version = try Command.run(["sha256sum", busybox]).stdout.prefix(12)
    let base = FixtureCache.directory.appendingPathComponent("busybox-\(version)")
    let done = base.appendingPathComponent(".complete")
    if FileManager.default.fileExists(atPath: done.path) { return base }

    let lock = try FileLock(path: FixtureCache.directory.appendingPathComponent(".busybox.lock").path)
    defer { _ = lock }
    if FileManager.default.fileExists(atPath: done.path) { return base }

    let fm = FileManager.default
    let work = FixtureCache.directory.appendingPathComponent("busybox-build-\(UUID().uuidString)")
    defer { try? fm.removeItem(at: work) }
    let rootfs = work.appendingPathComponent("rootfs")
    for dir in ["bin", "etc", "tmp", "root", "home", "var/www", "dev", "proc", "sys"] {
      try fm.createDirectory(at: rootfs.appendingPathComponent(dir), withIntermediateDirectories: true)
    }
    try fm.copyItem(atPath: busybox, toPath: rootfs.appendingPathComponent("bin/busybox").path)
    let applets = try Command.run([busybox, "--list"]).stdout.split(separator: "\n")
    for applet in applets where applet != "busybox" {
      try fm.createSymbolicLink(
        atPath: rootfs.appendingPathComponent("bin/\(applet)").path, withDestinationPath: "busybox")
    }
    try "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n".write(
      to: rootfs.appendingPathComponent("etc/passwd"), atomically: false, encoding: .utf8)
    try "root:x:0:\nnobody:x:65534:\n".write(
      to: rootfs.appendingPathComponent("etc/group"), atomically: false, encoding: .utf8)
    try Command.run(["chmod", "1777", rootfs.appendingPathComponent("tmp").path])
    try Command.run(["chmod", "0700", rootfs.appendingPathComponent("root").path])

    let tar = work.appendingPathComponent("layer.tar")
    try Command.run([
      "tar", "--sort=name", "--mtime=@0", "--owner=0", "--group=0", "--numeric-owner", "--format=gnu",
      "-cf", tar.path, "-C", rootfs.path, ".",
    ])
    let layout = work.appendingPathComponent("layout")
    let image = "\(layout.path):\(tag)"
    try Command.run(["umoci", "init", "--layout", layout.path])
    try Command.run(["umoci", "new", "--image", image])
    try Command.run([
      "umoci", "raw", "add-layer", "--image", image, "--history.created=\(epoch)",
      "--history.created_by=ADD busybox-static /", tar.path,
    ])
    try Command.run([
      "umoci", "config", "--image", image, "--created=\(epoch)", "--history.created=\(epoch)",
      "--history.created_by=CMD [\"sh\"]", "--config.cmd", "sh",
      "--config.env", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "--architecture", "amd64", "--os", "linux",
    ])
    try Command.run(["umoci", "gc", "--layout", layout.path])
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

public enum FixtureError: Error, CustomStringConvertible {
  case missingTool(String)
  case broken(String)
  case timeout(String)

  public var description: String {
    switch self {
    case .missingTool(let t): "fixture needs \(t)"
    case .broken(let s): "fixture broken: \(s)"
    case .timeout(let s): "fixture timed out: \(s)"
    }
  }
}
