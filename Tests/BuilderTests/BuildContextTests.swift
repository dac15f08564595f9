import Foundation
import TestSupport
import Testing

@testable import Builder

@Suite("Build context and .dockerignore")
struct BuildContextTests {
  @Test func dockerignoreExcludesFilesDirectoriesAndHonoursExceptions() async throws {
    try await withScratchRoot { scratch in
      let dir = try scratch.directory("ctx")
      try FileTree.write(
        [
          "Dockerfile": "FROM scratch\n", "app.py": "print(1)\n", "debug.log": "x", "sub/trace.log": "y",
          "tmp/a": "a", "tmp/keep": "k", "src/x.bak": "b", "src/deep/y.bak": "b", "src/main.c": "int main;",
          ".dockerignore": "# comment\n*.log\ntmp\n!tmp/keep\n**/*.bak\n",
        ], in: dir)
      let ctx = try BuildContext(directory: dir)
      let files = try ctx.files()
      #expect(files.contains("app.py"))
      #expect(files.contains("sub/trace.log"), "*.log only matches at the root, as in Docker")
      #expect(!files.contains("debug.log"))
      #expect(!files.contains("tmp/a"))
      #expect(files.contains("tmp/keep"))
      #expect(!files.contains("src/x.bak"))
      #expect(!files.contains("src/deep/y.bak"))
      #expect(files.contains("src/main.c"))
    }
  }

  @Test func patternRulesFollowPatternmatcher() throws {
    let m = try BuildContext(
      directory: URL(fileURLWithPath: "/"), excludes: ["/docs/*.md", "build/", "a?c", "[0-9]*.txt", "!docs/README.md"])
    #expect(m.isExcluded("docs/x.md"))
    #expect(!m.isExcluded("docs/README.md"))
    #expect(!m.isExcluded("docs/sub/x.md"))
    #expect(m.isExcluded("build/out/bin"))
    #expect(m.isExcluded("abc"))
    #expect(!m.isExcluded("abbc"))
    #expect(m.isExcluded("7up.txt"))
    #expect(!m.isExcluded("up.txt"))
  }

  @Test func tarStreamContextIsUnpackedAndFiltered() async throws {
    try await withScratchRoot { scratch in
      let src = try scratch.directory("src")
      try FileTree.write(["a.txt": "A", "dir/b.txt": "B", "skip.me": "S", ".dockerignore": "*.me\n"], in: src)
      let tar = scratch.path.appendingPathComponent("ctx.tar.gz").path
      try Command.run(["tar", "-C", src.path, "-czf", tar, "."])
      let fd = open(tar, O_RDONLY)
      #expect(fd >= 0)
      defer { close(fd) }
      let ctx = try BuildContext(tarStream: fd, scratch: try scratch.directory("work"))
      defer { ctx.discard() }
      #expect(try ctx.files() == [".dockerignore", "a.txt", "dir", "dir/b.txt"])
      #expect(FileTree.read(ctx.root.appendingPathComponent("dir/b.txt")) == "B")
      let root = ctx.root
      ctx.discard()
      #expect(!FileManager.default.fileExists(atPath: root.path))
    }
  }

  @Test func garbageTarStreamIsATypedError() async throws {
    try await withScratchRoot { scratch in
      let junk = scratch.path.appendingPathComponent("junk")
      try Data("this is not a tar archive at all, not even close".utf8).write(to: junk)
      let fd = open(junk.path, O_RDONLY)
      defer { close(fd) }
      #expect(throws: BuildError.self) {
        _ = try BuildContext(tarStream: fd, scratch: try scratch.directory("work"))
      }
    }
  }

  @Test func missingContextDirectoryIsNamed() {
    #expect(throws: BuildError.contextUnreadable("/nonexistent-ckit-ctx", reason: "not a directory")) {
      _ = try BuildContext(directory: URL(fileURLWithPath: "/nonexistent-ckit-ctx"))
    }
  }
}
