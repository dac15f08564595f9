import CLayerFS
import Foundation
import LayerFS
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// `LayerTarWriter.addTree` (export, cp, `COPY --from`) on trees a container can make: nested thousands deep.
@Suite struct TreeWalkTests {
  /// Makes `depth` directories `d` nested under `top` (through descriptors: the path passes PATH_MAX), a file `f`
  /// in the deepest.
  static func makeNested(_ top: String, depth: Int) throws {
    var fd = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    try #require(fd >= 0)
    for _ in 0..<depth {
      try #require(mkdirat(fd, "d", 0o755) == 0)
      let next = openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
      close(fd)
      fd = next
      try #require(fd >= 0)
    }
    let file = openat(fd, "f", O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
    close(fd)
    try #require(file >= 0)
    close(file)
  }

  /// The descriptors this process has open now.
  /// This process's descriptors on `dir`'s tree: their target is below it, or too long a path to name (the deep
  /// directories). Not the whole table: suites running beside this one open and close descriptors of their own.
  static func openDescriptors(under dir: String) -> Int {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    var buffer = [CChar](repeating: 0, count: 4096)
    return names.filter { name in
      let n = readlink("/proc/self/fd/" + name, &buffer, buffer.count - 1)
      guard n >= 0 else { return errno == ENAMETOOLONG }
      return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self).hasPrefix(dir + "/")
    }.count
  }

  /// Writes `path` of `root` as a tar into a file, counting the most descriptors open while it writes.
  static func write(_ path: String, inRoot root: String, to out: String) throws -> (Int, LayerFSError?) {
    let fd = try FileOps.open(out, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    defer { close(fd) }
    var peak = 0
    let w = try LayerTarWriter(gzipLevel: nil) { (b) throws(LayerFSError) in
      peak = max(peak, openDescriptors(under: root))
      try FileOps.writeAll(fd, b, path: out)
    }
    do throws(LayerFSError) {
      try w.addTree(path, inRoot: root, as: "top")
      _ = try w.finish()
      return (peak, nil)
    } catch { return (peak, error) }
  }

  /// A tree 3,000 directories deep is written whole, on a pool thread (the walk no longer recurses), holding a
  /// bounded number of descriptors whatever the depth (the old walk held two per level).
  @Test func deepTreeIsWrittenWithBoundedDescriptors() async throws {
    let scratch = try ScratchDirectory("treewalk-deep")
    defer { _ = try? Command.run(["rm", "-rf", scratch.path], check: false) }
    try FileOps.makeDirectories(scratch.path + "/root/top")
    try Self.makeNested(scratch.path + "/root/top", depth: 3000)
    let before = Self.openDescriptors(under: scratch.path + "/root")
    let (peak, error) = try Self.write("/top", inRoot: scratch.path + "/root", to: scratch.path + "/out.tar")
    #expect(error == nil)
    #expect(peak > 0 && peak - before < 64, "descriptors open: \(before) before, \(peak) at most while writing")
    let names = try Command.run(["tar", "-tf", scratch.path + "/out.tar"]).stdout.split(separator: "\n")
    #expect(names.count == 3002)
    let last = names.last.map { $0.split(separator: "/", omittingEmptySubsequences: false) } ?? []
    #expect(
      last.count == 3002 && last.first == "top" && last.last == "f"
        && last.dropFirst().dropLast().allSatisfy { $0 == "d" },
      "last entry: \(last.count) components, \(last.prefix(2)) ... \(last.suffix(2))")
  }

  /// A tree deeper than the walk's cap (4,096 levels) is refused with an error naming the path beyond it, not a
  /// crash.
  @Test func treeDeeperThanTheCapIsRefused() async throws {
    let scratch = try ScratchDirectory("treewalk-cap")
    defer { _ = try? Command.run(["rm", "-rf", scratch.path], check: false) }
    try FileOps.makeDirectories(scratch.path + "/root/top")
    try Self.makeNested(scratch.path + "/root/top", depth: 4100)
    let (_, error) = try Self.write("top", inRoot: scratch.path + "/root", to: scratch.path + "/out.tar")
    let beyond = scratch.path + "/root/top" + String(repeating: "/d", count: 4097)
    #expect(error == .refusedFile(path: beyond, reason: "more than 4096 directories deep"))
  }
}
