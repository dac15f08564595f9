import DockerfileParser
import Foundation
import Testing

/// `.dockerignore` matching with Docker's semantics.
@Suite struct DockerIgnoreTests {
  @Test func patterns() throws {
    let ig = try DockerIgnore(
      parsing: """
        # comment
        *.md
        !README.md
        /build/
        **/*.tmp
        docs/**
        !docs/keep.txt
        te?t[0-9].go
        [!a]x
        node_modules

        """)
    #expect(ig.matches("CHANGELOG.md"))
    #expect(!ig.matches("README.md"))
    #expect(!ig.matches("sub/CHANGELOG.md"))  // * does not cross /
    #expect(ig.matches("build"))
    #expect(ig.matches("build/out/a.o"))  // a parent matches
    #expect(ig.matches("a/b/c.tmp") && ig.matches("c.tmp"))
    #expect(ig.matches("docs/a/b.txt"))
    #expect(!ig.matches("docs/keep.txt"))
    #expect(ig.matches("test1.go") && !ig.matches("test12.go"))
    // Only ^ negates a class (filepath.Match); ! is a literal member.
    #expect(ig.matches("!x") && ig.matches("ax") && !ig.matches("bx"))
    #expect(ig.matches("node_modules/x/y.js"))
    #expect(!ig.matches("src/main.swift"))
    #expect(!ig.matches("."))
  }

  @Test func lastMatchWins() throws {
    let ig = try DockerIgnore(patterns: ["*", "!src", "src/*.o"])
    #expect(ig.matches("anything"))
    #expect(!ig.matches("src/main.c"))
    #expect(ig.matches("src/main.o"))
  }

  @Test func errors() {
    #expect(throws: DockerIgnoreError.self) { try DockerIgnore(patterns: ["!"]) }
    #expect(throws: DockerIgnoreError.self) { try DockerIgnore(patterns: ["a["]) }
    #expect(throws: DockerIgnoreError.self) { try DockerIgnore(patterns: ["a\\"]) }
  }

  @Test func dockerfileSpecificIgnoreFileWins() async throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dockerignore-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir.appendingPathComponent("sub"), withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    try "*.log\n".write(to: dir.appendingPathComponent(".dockerignore"), atomically: true, encoding: .utf8)
    let dockerfile = dir.appendingPathComponent("sub/Dockerfile").path
    #expect(try await DockerIgnore.load(contextDirectory: dir.path, dockerfile: dockerfile).matches("x.log"))
    try "*.bin\n".write(toFile: dockerfile + ".dockerignore", atomically: true, encoding: .utf8)
    let specific = try await DockerIgnore.load(contextDirectory: dir.path, dockerfile: dockerfile)
    #expect(specific.matches("x.bin") && !specific.matches("x.log"))
    #expect(DockerIgnore.locate(contextDirectory: dir.appendingPathComponent("sub").path) == nil)
  }
}
