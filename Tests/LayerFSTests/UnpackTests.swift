import CLayerFS
import Foundation
import LayerFS
import OCI
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

private func lstatOf(_ path: String) -> stat? {
  var st = stat()
  return lstat(path, &st) == 0 ? st : nil
}

private func xattr(_ path: String, _ name: String) -> [UInt8]? {
  var buf = [UInt8](repeating: 0, count: 256)
  let n = buf.withUnsafeMutableBytes { lgetxattr(path, name, $0.baseAddress, $0.count) }
  return n < 0 ? nil : Array(buf[0..<n])
}

@Suite struct UnpackTests {
  @Test(.enabled(if: isRoot, "requires root"))
  func unpacksEveryEntryKindWithMetadata() async throws {
    let dir = try Scratch()
    defer { dir.remove() }
    // security.capability v2: magic 0x02000001 (with effective bit), permitted CAP_NET_BIND_SERVICE (bit 10).
    let cap = String(decoding: [1, 0, 0, 2, 0, 4, 0, 0] + [UInt8](repeating: 0, count: 12), as: UTF8.self)
    var ping = TarFixture.Entry.file("bin/ping", "#!ping", mode: 0o755)
    ping.xattrs = ["security.capability": cap, "user.note": "hi"]
    var owned = TarFixture.Entry.file("home/user/file", "data", mode: 0o640)
    owned.uid = 1000
    owned.gid = 1001
    owned.mtime = 1_234_567_890
    var null = TarFixture.Entry(name: "dev/null", type: "chr", mode: 0o666)
    null.devmajor = 1
    null.devminor = 3
    let layer = try TarFixture.write(
      [
        .dir("bin"), ping, .file("bin/su", "su", mode: 0o4755), .dir("tmp", mode: 0o1777),
        .dir("shared", mode: 0o2775), .symlink("bin/sh", to: "/bin/busybox"), .hardlink("bin/ping2", to: "bin/ping"),
        .dir("home"), .dir("home/user"), owned, .dir("dev"), null, TarFixture.Entry(name: "run/fifo", type: "fifo"),
      ], to: dir.path + "/layer.tar", compression: "gzip")
    let root = dir.path + "/root"
    try FileOps.makeDirectories(root)
    let r = try await LayerUnpacker.unpack(layerAt: layer, into: root)
    #expect(r.compression == .gzip)
    #expect(r.entries == 13)

    #expect(try String(contentsOfFile: root + "/bin/ping", encoding: .utf8) == "#!ping")
    #expect(lstatOf(root + "/bin/su").map { $0.st_mode & 0o7777 } == 0o4755)
    #expect(lstatOf(root + "/tmp").map { $0.st_mode & 0o7777 } == 0o1777)
    #expect(lstatOf(root + "/shared").map { $0.st_mode & 0o7777 } == 0o2775)
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: root + "/bin/sh") == "/bin/busybox")
    #expect(lstatOf(root + "/bin/ping2")?.st_ino == lstatOf(root + "/bin/ping")?.st_ino)
    let st = try #require(lstatOf(root + "/home/user/file"))
    #expect(st.st_uid == 1000 && st.st_gid == 1001 && st.st_mode & 0o7777 == 0o640)
    #expect(st.st_mtim.tv_sec == 1_234_567_890)
    let dev = try #require(lstatOf(root + "/dev/null"))
    #expect(dev.st_mode & S_IFMT == S_IFCHR && dev.st_rdev == ck_makedev(1, 3))
    #expect(lstatOf(root + "/run/fifo").map { $0.st_mode & S_IFMT } == S_IFIFO)
    #expect(xattr(root + "/bin/ping", "security.capability")?.count == 20)
    #expect(xattr(root + "/bin/ping", "user.note") == Array("hi".utf8))
  }

  @Test func sameTarGivesSameDiffIDWhateverTheCompression() async throws {
    let dir = try Scratch()
    defer { dir.remove() }
    let entries: [TarFixture.Entry] = [.dir("a"), .file("a/b", String(repeating: "x", count: 100_000))]
    var results: [UnpackResult] = []
    for c in [nil, "gzip", "zstd"] as [String?] {
      let path = try TarFixture.write(entries, to: dir.path + "/l-\(c ?? "none").tar", compression: c)
      let root = dir.path + "/root-\(c ?? "none")"
      try FileOps.makeDirectories(root)
      let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
      let r = try await LayerUnpacker.unpack(
        layerAt: path, into: root, options: UnpackOptions(expectedDigest: .sha256(of: bytes)))
      #expect(r.digest == .sha256(of: bytes))
      #expect(try Data(contentsOf: URL(fileURLWithPath: root + "/a/b")).count == 100_000)
      results.append(r)
    }
    #expect(results.map(\.compression) == [.none, .gzip, .zstd])
    #expect(Set(results.map(\.diffID)).count == 1)
    #expect(results[0].diffID == results[0].digest)
    #expect(results[1].uncompressedSize == results[0].compressedSize)
  }

  @Test func wrongDigestIsReported() async throws {
    let dir = try Scratch()
    defer { dir.remove() }
    let path = try TarFixture.write([.file("f", "x")], to: dir.path + "/l.tar", compression: "gzip")
    try FileOps.makeDirectories(dir.path + "/root")
    let wrong = Digest.sha256(of: Array("nope".utf8))
    await #expect(throws: LayerFSError.self) {
      _ = try await LayerUnpacker.unpack(
        layerAt: path, into: dir.path + "/root", options: UnpackOptions(expectedDigest: wrong))
    }
  }

  @Test(.enabled(if: isRoot, "requires root"))
  func whiteoutsBecomeOverlayForm() async throws {
    let dir = try Scratch()
    defer { dir.remove() }
    let path = try TarFixture.write(
      [.dir("etc"), .file("etc/.wh.passwd"), .dir("var"), .file("var/.wh..wh..opq"), .file("var/new", "n")],
      to: dir.path + "/l.tar")
    let root = dir.path + "/root"
    try FileOps.makeDirectories(root)
    _ = try await LayerUnpacker.unpack(layerAt: path, into: root, options: UnpackOptions(whiteouts: .overlay))
    let wh = try #require(lstatOf(root + "/etc/passwd"))
    #expect(wh.st_mode & S_IFMT == S_IFCHR && wh.st_rdev == 0)
    #expect(xattr(root + "/var", "trusted.overlay.opaque") == Array("y".utf8))
    #expect(FileManager.default.fileExists(atPath: root + "/var/new"))
    #expect(!FileManager.default.fileExists(atPath: root + "/var/.wh..wh..opq"))
  }

  @Test func whiteoutsAreAppliedOnAFullTree() async throws {
    let dir = try Scratch()
    defer { dir.remove() }
    let root = dir.path + "/root"
    try FileOps.makeDirectories(root)
    let base = try TarFixture.write(
      [
        .dir("etc"), .file("etc/passwd", "root"), .file("etc/group", "g"), .dir("var"), .file("var/old", "o"),
        .dir("var/olddir"), .file("var/olddir/x"),
      ],
      to: dir.path + "/base.tar")
    _ = try await LayerUnpacker.unpack(layerAt: base, into: root, options: UnpackOptions(whiteouts: .apply))
    let top = try TarFixture.write(
      [.dir("etc"), .file("etc/.wh.passwd"), .dir("var"), .file("var/new", "n"), .file("var/.wh..wh..opq")],
      to: dir.path + "/top.tar")
    _ = try await LayerUnpacker.unpack(layerAt: top, into: root, options: UnpackOptions(whiteouts: .apply))
    #expect(!FileOps.exists(root + "/etc/passwd"))
    #expect(FileOps.exists(root + "/etc/group"))
    #expect(try FileOps.listDirectory(root + "/var") == ["new"])
  }
}

/// Crafted tarballs, one per escape: none may write outside the target, and each is refused or confined.
@Suite struct HostileLayerTests {
  /// Unpacks `entries` into `<scratch>/root`, beside a sentinel directory `<scratch>/outside`; returns the error.
  func attempt(_ entries: [TarFixture.Entry], check: (String) throws -> Void = { _ in }) async throws -> LayerFSError? {
    let dir = try Scratch("hostile")
    defer { dir.remove() }
    let root = dir.path + "/root"
    let outside = dir.path + "/outside"
    try FileOps.makeDirectories(root)
    try FileOps.makeDirectories(outside)
    let layer = try TarFixture.write(entries, to: dir.path + "/evil.tar")
    var failure: LayerFSError?
    do {
      _ = try await LayerUnpacker.unpack(layerAt: layer, into: root, options: UnpackOptions(whiteouts: .apply))
    } catch { failure = error }
    #expect(try FileOps.listDirectory(outside).isEmpty, "something was written outside the root")
    #expect(try FileOps.listDirectory(dir.path).sorted() == ["evil.tar", "outside", "root"])
    try check(root)
    return failure
  }

  @Test func dotDotIsRefused() async throws {
    let e = try await attempt([.file("../outside/pwned", "x")]) { _ in }
    guard case .unsafeEntry(let entry, _) = e else {
      Issue.record("expected unsafeEntry, got \(String(describing: e))"); return
    }
    #expect(entry == "../outside/pwned")
  }

  @Test func nestedDotDotIsRefused() async throws {
    let e = try await attempt([.dir("a"), .file("a/../../outside/pwned", "x")]) { _ in }
    #expect(e.map { if case .unsafeEntry = $0 { true } else { false } } == true)
  }

  @Test func absolutePathIsRefused() async throws {
    let dir = try Scratch("abs")
    defer { dir.remove() }
    let e = try await attempt([.file(dir.path + "/pwned", "x")]) { _ in }
    #expect(e.map { if case .unsafeEntry = $0 { true } else { false } } == true)
    #expect(!FileOps.exists(dir.path + "/pwned"))
  }

  @Test func symlinkedParentStaysInsideTheRoot() async throws {
    // "esc" -> "../outside", then a file through it: resolved as if the root were "/", so it lands in root/outside.
    let e = try await attempt([.dir("outside"), .symlink("esc", to: "../outside"), .file("esc/pwned", "x")]) { root in
      #expect(FileOps.exists(root + "/outside/pwned"))
    }
    #expect(e == nil)
  }

  @Test func directoryReplacedBySymlinkToSlash() async throws {
    let marker = "ckit-pwned-\(UUID().uuidString.prefix(8))"
    let e = try await attempt([
      .dir("etc"), .file("etc/hosts", "h"), .symlink("etc", to: "/"), .file("etc/tmp/\(marker)", "x"),
    ]) { root in
      #expect(FileOps.exists(root + "/tmp/\(marker)"))
      #expect(!FileOps.isDirectory(root + "/etc"))
    }
    #expect(e == nil)
    #expect(!FileOps.exists("/tmp/\(marker)"))
  }

  @Test func absoluteSymlinkParentDoesNotEscape() async throws {
    let dir = try Scratch("abs-link")
    defer { dir.remove() }
    _ = try await attempt([.symlink("esc", to: dir.path), .file("esc/pwned", "x")]) { _ in }
    #expect(try FileOps.listDirectory(dir.path).isEmpty)
  }

  @Test func hardlinkToOutsideIsRefused() async throws {
    let e = try await attempt([.hardlink("passwd", to: "../../../../../../etc/passwd")]) { root in
      #expect(!FileOps.exists(root + "/passwd"))
    }
    #expect(e.map { if case .unsafeEntry = $0 { true } else { false } } == true)
  }

  @Test func hardlinkThroughSymlinkDoesNotReachHostFiles() async throws {
    var hostPasswd = stat()
    #expect(stat("/etc/passwd", &hostPasswd) == 0)
    _ = try await attempt([.symlink("hostetc", to: "/etc"), .hardlink("stolen", to: "hostetc/passwd")]) { root in
      var st = stat()
      if lstat(root + "/stolen", &st) == 0 {
        #expect(st.st_ino != hostPasswd.st_ino || st.st_dev != hostPasswd.st_dev)
      }
    }
  }

  @Test func symlinkThenFileThroughItDoesNotOverwriteTheTarget() async throws {
    let dir = try Scratch("victim")
    defer { dir.remove() }
    let victim = dir.path + "/victim"
    try "original".write(toFile: victim, atomically: true, encoding: .utf8)
    _ = try await attempt([.symlink("v", to: victim), .file("v", "overwritten")]) { (root: String) throws in
      let content = try String(contentsOfFile: root + "/v", encoding: .utf8)
      #expect(content == "overwritten")
    }
    #expect(try String(contentsOfFile: victim, encoding: .utf8) == "original")
  }
}

@Suite struct GzipStreamTests {
  /// Concatenated gzip members are one stream (as `pigz`, some registries and `cat a.gz b.gz` produce);
  /// the diffID is that of the whole tar and the digest that of every byte of the blob.
  @Test func concatenatedMembersAreOneStream() async throws {
    let dir = try Scratch("gzip")
    defer { dir.remove() }
    let entries: [TarFixture.Entry] = (0..<50).map { .file("f\($0)", String(repeating: "\($0)", count: 5_000)) }
    let tar = try TarFixture.write(entries, to: dir.path + "/l.tar")
    let raw = try Array(Data(contentsOf: URL(fileURLWithPath: tar)))
    let half = raw.count / 2
    try Data(raw[..<half]).write(to: URL(fileURLWithPath: dir.path + "/a"))
    try Data(raw[half...]).write(to: URL(fileURLWithPath: dir.path + "/b"))
    try TarFixture.run("/usr/bin/gzip", ["-n", dir.path + "/a", dir.path + "/b"])
    let blob =
      try Array(Data(contentsOf: URL(fileURLWithPath: dir.path + "/a.gz")))
      + Array(Data(contentsOf: URL(fileURLWithPath: dir.path + "/b.gz")))
    try Data(blob).write(to: URL(fileURLWithPath: dir.path + "/layer.gz"))
    try FileOps.makeDirectories(dir.path + "/root")
    let r = try await LayerUnpacker.unpack(layerAt: dir.path + "/layer.gz", into: dir.path + "/root")
    #expect(r.compression == .gzip)
    #expect(r.diffID == .sha256(of: raw))
    #expect(r.digest == .sha256(of: blob))
    #expect(r.uncompressedSize == Int64(raw.count))
    #expect(try FileOps.listDirectory(dir.path + "/root").count == 50)
  }

  @Test func truncatedGzipIsAnError() async throws {
    let dir = try Scratch("gzip-cut")
    defer { dir.remove() }
    let entries: [TarFixture.Entry] = (0..<20).map { .file("f\($0)", String(repeating: "x\($0)", count: 20_000)) }
    let path = try TarFixture.write(entries, to: dir.path + "/l.tar", compression: "gzip")
    let blob = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
    try Data(blob[..<(blob.count / 2)]).write(to: URL(fileURLWithPath: path))
    try FileOps.makeDirectories(dir.path + "/root")
    await #expect(throws: LayerFSError.self) {
      _ = try await LayerUnpacker.unpack(layerAt: path, into: dir.path + "/root")
    }
  }
}
