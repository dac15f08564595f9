import Foundation
import TestSupport
import Testing

@testable import Builder

@Suite("Content digest of COPY/ADD sources")
struct SourceDigestTests {
  func digest(_ ctx: URL, _ sources: [String]) throws -> String {
    try CopyOperation(
      CopyInstruction(sources: sources, destination: "/d/"), from: .context(BuildContext(directory: ctx))
    )
    .digest().description
  }

  @Test func mtimesAreIgnoredButContentsModesAndNamesCount() async throws {
    try await withScratchRoot { scratch in
      let ctx = try scratch.directory("ctx")
      try FileTree.write(["a/x": "1", "a/y": "2", "b": "3"], in: ctx)
      let base = try digest(ctx, ["a", "b"])
      #expect(try digest(ctx, ["a", "b"]) == base, "stable")

      var times = [timespec(tv_sec: 1_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000, tv_nsec: 0)]
      utimensat(AT_FDCWD, ctx.appendingPathComponent("a/x").path, &times, 0)
      #expect(try digest(ctx, ["a", "b"]) == base, "a touch alone keeps the cache")

      try Data("changed".utf8).write(to: ctx.appendingPathComponent("a/x"))
      let changed = try digest(ctx, ["a", "b"])
      #expect(changed != base)

      chmod(ctx.appendingPathComponent("a/x").path, 0o700)
      let moded = try digest(ctx, ["a", "b"])
      #expect(moded != changed)

      try FileManager.default.moveItem(at: ctx.appendingPathComponent("a/y"), to: ctx.appendingPathComponent("a/z"))
      #expect(try digest(ctx, ["a", "b"]) != moded, "renames count")
      #expect(try digest(ctx, ["b"]) != (try digest(ctx, ["a"])))
    }
  }

  @Test(.enabled(if: isRoot, "requires root")) func ownersCount() async throws {
    try await withScratchRoot { scratch in
      let ctx = try scratch.directory("ctx")
      try FileTree.write(["f": "1"], in: ctx)
      let before = try digest(ctx, ["f"])
      chown(ctx.appendingPathComponent("f").path, 1000, 1000)
      #expect(try digest(ctx, ["f"]) != before)
    }
  }

  @Test func ignoredFilesDoNotTakePart() async throws {
    try await withScratchRoot { scratch in
      let ctx = try scratch.directory("ctx")
      try FileTree.write(["app/main.c": "m", "app/build.log": "1", ".dockerignore": "app/*.log\n"], in: ctx)
      let before = try digest(ctx, ["app"])
      try Data("2".utf8).write(to: ctx.appendingPathComponent("app/build.log"))
      #expect(try digest(ctx, ["app"]) == before)
    }
  }
}
