import DockerfileParser
import Foundation
import TestSupport
import Testing

@testable import Builder

/// `RUN --mount=type=bind` from a hostile context: the runtime mounts the source by path, so the path handed to it
/// must be where the kernel resolves the source inside the context.
@Suite struct RunMountTests {
  /// A context whose `src -> /<host dir>` (its own copy of that path a link to itself) made the builder's
  /// resolver give up after 40 links and hand the runtime the link's path, which the mount followed to the host
  /// directory. Now such a source is not found; a link that stays in the context gives the context's directory.
  @Test func bindSourcesResolveInsideTheContext() throws {
    let base = FileManager.default.temporaryDirectory.appendingPathComponent("ckit-runmount-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: base) }
    let context = base.appendingPathComponent("ctx")
    let host = base.appendingPathComponent("host").path
    try FileManager.default.createDirectory(atPath: host, withIntermediateDirectories: true)
    try FileManager.default.createDirectory(
      at: context.appendingPathComponent("real/dir"), withIntermediateDirectories: true)
    let selfLink = context.path + host
    try FileManager.default.createDirectory(
      atPath: (selfLink as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try #require(symlink(host, selfLink) == 0 && symlink(host, context.path + "/src") == 0)
    try #require(symlink("/real/dir", context.path + "/inside") == 0)
    let root = URL(fileURLWithPath: context.path).resolvingSymlinksInPath()
    let cache = base.appendingPathComponent("cache")
    for source in ["src", String(host.dropFirst())] {
      let mount = try RunMount(parsing: "type=bind,source=\(source),target=/m")
      #expect(throws: BuildError.self, "\(source)") {
        let made = try BuildSession.runMount(mount, cacheRoot: cache, context: root)
        // What the host would mount: never the host directory.
        Issue.record(
          "\(source) resolved to \(made.source), which is \(URL(fileURLWithPath: made.source).resolvingSymlinksInPath().path)"
        )
      }
    }
    let inside = try BuildSession.runMount(
      try RunMount(parsing: "type=bind,source=inside,target=/m"), cacheRoot: cache, context: root)
    #expect(inside.source == root.path + "/real/dir")
  }
}
