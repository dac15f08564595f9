import Foundation
import LayerFS
import TestSupport
import Testing

/// `UnpackLimits`: an archive that passes a bound stops with an error naming it and the bound, from a file (the
/// ratio to its whole size) and from a pipe (the ratio to what was read so far); the defaults refuse no real
/// layer.
@Suite struct UnpackLimitsTests {
  /// A tar holding one file of `size` zero bytes, gzipped when `gzip`.
  static func zeros(_ dir: Scratch, size: Int, gzip: Bool) throws -> String {
    let tar = dir.path + "/zeros.tar"
    try Command.run([
      "sh", "-c", "cd \(dir.path) && head -c \(size) /dev/zero > zeros && tar -cf \(tar) zeros && rm zeros",
    ])
    if !gzip { return tar }
    try Command.run(["gzip", "-9", "-n", tar])
    return tar + ".gz"
  }

  static func unpack(_ path: String, fromPipe: Bool = false, limits: UnpackLimits, _ dir: Scratch) throws
    -> UnpackResult
  {
    let root = dir.path + "/root-\(UUID().uuidString.prefix(6))"
    try FileOps.makeDirectories(root)
    let options = UnpackOptions(whiteouts: .keep, preserveOwnership: false, limits: limits)
    if !fromPipe {
      let fd = try FileOps.open(path, O_RDONLY)
      defer { close(fd) }
      return try LayerUnpacker.unpackSync(fd: fd, displayName: "layer x", into: root, options: options)
    }
    let (p, pipe) = try Subprocess.withStdoutPipe(["/bin/cat", path])
    defer {
      try? pipe.close()
      p.waitUntilExit()
    }
    return try LayerUnpacker.unpackSync(fd: pipe.fileDescriptor, displayName: "layer x", into: root, options: options)
  }

  @Test func aBombFromAFileIsRefusedByTheRatio() throws {
    let dir = try Scratch("limits")
    defer { dir.remove() }
    let bomb = try Self.zeros(dir, size: 32 << 20, gzip: true)
    let compressed = Int64(try FileManager.default.attributesOfItem(atPath: bomb)[.size] as! Int)
    let limits = UnpackLimits(maxRatio: 50, ratioFloor: 1 << 20)
    #expect(
      throws: LayerFSError.limitExceeded(
        what: "layer x", .ratio(limit: limits.allowedSize(compressed: compressed), ratio: 50, compressed: compressed))
    ) { _ = try Self.unpack(bomb, limits: limits, dir) }
    // Under the defaults (the floor is 256 MiB) the same layer unpacks.
    #expect(try Self.unpack(bomb, limits: UnpackLimits(), dir).uncompressedSize > 32 << 20)
  }

  @Test func aBombFromAPipeIsRefusedAsItArrives() throws {
    let dir = try Scratch("limits")
    defer { dir.remove() }
    let bomb = try Self.zeros(dir, size: 32 << 20, gzip: true)
    do {
      _ = try Self.unpack(bomb, fromPipe: true, limits: UnpackLimits(maxRatio: 50, ratioFloor: 1 << 20), dir)
      Issue.record("a 32 MiB bomb read from a pipe passed a 50:1 bound")
    } catch let LayerFSError.limitExceeded(what, .ratio(_, ratio, _)) {
      #expect(what == "layer x" && ratio == 50)
    }
    #expect(
      throws: LayerFSError.limitExceeded(what: "layer x", .size(limit: 4 << 20))
    ) { _ = try Self.unpack(bomb, fromPipe: true, limits: UnpackLimits(maxSize: 4 << 20), dir) }
  }

  @Test func aPlainTarPastTheCapIsRefused() throws {
    let dir = try Scratch("limits")
    defer { dir.remove() }
    let tar = try Self.zeros(dir, size: 8 << 20, gzip: false)
    #expect(throws: LayerFSError.limitExceeded(what: "layer x", .size(limit: 2 << 20))) {
      _ = try Self.unpack(tar, limits: UnpackLimits(maxSize: 2 << 20), dir)
    }
  }

  @Test func tooManyEntriesAreRefused() throws {
    let dir = try Scratch("limits")
    defer { dir.remove() }
    let entries = (0..<50).map { TarFixture.Entry.file("f\($0)", "x") }
    let tar = try TarFixture.write(entries, to: dir.path + "/many.tar", compression: "gzip")
    #expect(throws: LayerFSError.limitExceeded(what: "layer x", .entries(limit: 20))) {
      _ = try Self.unpack(tar, limits: UnpackLimits(maxEntries: 20), dir)
    }
    #expect(try Self.unpack(tar, limits: UnpackLimits(maxEntries: 50), dir).entries == 50)
  }

  @Test func limitsParseFromText() {
    #expect(UnpackLimits(parsing: "maxSize=1024,maxEntries=7") == UnpackLimits(maxSize: 1024, maxEntries: 7))
    #expect(UnpackLimits(parsing: "") == UnpackLimits())
    let all = UnpackLimits(maxRatio: 3, ratioFloor: 9, maxSize: 99, maxEntries: 5)
    #expect(UnpackLimits(parsing: all.description) == all)
    #expect(UnpackLimits(parsing: "maxSize=-1") == nil)
    #expect(UnpackLimits(parsing: "size=1") == nil)
    #expect(UnpackLimits().allowedSize(compressed: 1) == 256 << 20)
    #expect(UnpackLimits().allowedSize(compressed: 1 << 30) == 64 << 30)
    #expect(UnpackLimits.unlimited.allowedSize(compressed: .max) == .max)
  }
}
