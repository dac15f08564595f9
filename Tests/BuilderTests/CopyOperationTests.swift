import Foundation
import TestSupport
import Testing

@testable import Builder

@Suite("COPY and ADD on real files")
struct CopyOperationTests {
  /// A context and a rootfs with a passwd/group database.
  struct Fixture {
    let context: BuildContext
    let rootfs: URL
    let ctxDir: URL
  }

  func fixture(_ scratch: ScratchRoot, files: [String: String]) throws -> Fixture {
    let ctx = try scratch.directory("ctx")
    try FileTree.write(files, in: ctx)
    let rootfs = try scratch.directory("rootfs")
    try FileTree.write(
      [
        "etc/passwd": "root:x:0:0:root:/root:/bin/sh\nwww:x:33:34:www:/var/www:/bin/false\n",
        "etc/group": "root:x:0:\nwww:x:34:\nstaff:x:50:www\n",
      ], in: rootfs)
    return Fixture(context: try BuildContext(directory: ctx), rootfs: rootfs, ctxDir: ctx)
  }

  func copy(_ f: Fixture, _ ins: CopyInstruction, workdir: String = "/") async throws {
    try await CopyOperation(ins, from: .context(f.context)).apply(to: f.rootfs, workdir: workdir)
  }

  @Test(.enabled(if: isRoot, "requires root")) func fileToPathDirAndWorkdir() async throws {
    try await withScratchRoot { scratch in
      let f = try fixture(scratch, files: ["a.txt": "A", "b.txt": "B"])
      try await copy(f, CopyInstruction(sources: ["a.txt"], destination: "/opt/renamed"))
      #expect(FileTree.read(f.rootfs.appendingPathComponent("opt/renamed")) == "A")
      try await copy(f, CopyInstruction(sources: ["a.txt"], destination: "/srv/new/"))
      #expect(FileTree.read(f.rootfs.appendingPathComponent("srv/new/a.txt")) == "A")
      try await copy(f, CopyInstruction(sources: ["b.txt"], destination: "rel/"), workdir: "/app")
      #expect(FileTree.read(f.rootfs.appendingPathComponent("app/rel/b.txt")) == "B")
      // An existing directory takes the file inside, even without a trailing slash.
      try await copy(f, CopyInstruction(sources: ["b.txt"], destination: "/srv/new"))
      #expect(FileTree.read(f.rootfs.appendingPathComponent("srv/new/b.txt")) == "B")
      let st = try #require(FileTree.stat(f.rootfs.appendingPathComponent("opt/renamed")))
      #expect(st.st_uid == 0 && st.st_gid == 0)
    }
  }

  @Test(.enabled(if: isRoot, "requires root")) func directoryCopiesItsContentsAndKeepsModes() async throws {
    try await withScratchRoot { scratch in
      let f = try fixture(scratch, files: ["site/index.html": "<h1>", "site/css/a.css": "body{}"])
      chmod(f.ctxDir.appendingPathComponent("site/index.html").path, 0o640)
      symlink("index.html", f.ctxDir.appendingPathComponent("site/home.html").path)
      try await copy(f, CopyInstruction(sources: ["site"], destination: "/var/www"))
      #expect(
        FileTree.list(f.rootfs.appendingPathComponent("var/www")) == ["css", "css/a.css", "home.html", "index.html"])
      let st = try #require(FileTree.stat(f.rootfs.appendingPathComponent("var/www/index.html")))
      #expect(st.st_mode & 0o7777 == 0o640)
      #expect(ScopedPath.readLink(f.rootfs.appendingPathComponent("var/www/home.html").path) == "index.html")
    }
  }

  @Test(.enabled(if: isRoot, "requires root")) func wildcardsNeedADirectoryDestination() async throws {
    try await withScratchRoot { scratch in
      let f = try fixture(scratch, files: ["x1.conf": "1", "x2.conf": "2", "y.txt": "y"])
      await #expect(throws: BuildError.destinationNotDirectory("/etc/app", instruction: "COPY")) {
        try await copy(f, CopyInstruction(sources: ["x*.conf"], destination: "/etc/app"))
      }
      try await copy(f, CopyInstruction(sources: ["x*.conf"], destination: "/etc/app/"))
      #expect(FileTree.list(f.rootfs.appendingPathComponent("etc/app")) == ["x1.conf", "x2.conf"])
      // A wildcard matching a single file may name a file destination.
      try await copy(f, CopyInstruction(sources: ["y.*"], destination: "/single"))
      #expect(FileTree.read(f.rootfs.appendingPathComponent("single")) == "y")
    }
  }

  @Test(.enabled(if: isRoot, "requires root")) func chownByNameAndChmod() async throws {
    try await withScratchRoot { scratch in
      let f = try fixture(scratch, files: ["d/f": "F"])
      try await copy(f, CopyInstruction(sources: ["d"], destination: "/data/out/", chown: "www:staff", chmod: "750"))
      let file = try #require(FileTree.stat(f.rootfs.appendingPathComponent("data/out/f")))
      #expect(file.st_uid == 33 && file.st_gid == 50)
      #expect(file.st_mode & 0o7777 == 0o750)
      let created = try #require(FileTree.stat(f.rootfs.appendingPathComponent("data/out")))
      #expect(created.st_uid == 33, "directories created by COPY belong to the --chown user")
      try await copy(f, CopyInstruction(sources: ["d/f"], destination: "/num", chown: "1234"))
      let num = try #require(FileTree.stat(f.rootfs.appendingPathComponent("num")))
      #expect(num.st_uid == 1234 && num.st_gid == 1234)
      await #expect(throws: BuildError.unknownUser("nobody-here")) {
        try await copy(f, CopyInstruction(sources: ["d/f"], destination: "/x", chown: "nobody-here"))
      }
      await #expect(throws: BuildError.invalidMode("rwx")) {
        try await copy(f, CopyInstruction(sources: ["d/f"], destination: "/x", chmod: "rwx"))
      }
    }
  }

  @Test func missingAndIgnoredSourcesAreNamed() async throws {
    try await withScratchRoot { scratch in
      let f = try fixture(scratch, files: ["secret.key": "k", ".dockerignore": "*.key\n"])
      let ctx = try BuildContext(directory: f.ctxDir)
      #expect(throws: BuildError.sourceNotFound("nothere.txt", instruction: "COPY")) {
        _ = try CopyOperation(CopyInstruction(sources: ["nothere.txt"], destination: "/"), from: .context(ctx))
      }
      #expect(throws: BuildError.sourceNotFound("secret.key", instruction: "ADD")) {
        _ = try CopyOperation(
          CopyInstruction(sources: ["secret.key"], destination: "/", isAdd: true), from: .context(ctx))
      }
      #expect(throws: BuildError.sourceNotFound("*.none", instruction: "COPY")) {
        _ = try CopyOperation(CopyInstruction(sources: ["*.none"], destination: "/d/"), from: .context(ctx))
      }
      // A link to an ignored file does not bring it back (Docker's daemon never receives the file: the link
      // dangles). Before the fix the link was followed to the ignored file.
      try #require(symlink("secret.key", f.ctxDir.path + "/public.txt") == 0)
      for source in ["public.txt", "public.*"] {
        #expect(throws: BuildError.sourceNotFound(source, instruction: "COPY"), "\(source)") {
          _ = try CopyOperation(CopyInstruction(sources: [source], destination: "/d/"), from: .context(ctx))
        }
      }
    }
  }

  @Test(.enabled(if: isRoot, "requires root")) func excludeFlagAndDockerignoreSkipNestedFiles() async throws {
    try await withScratchRoot { scratch in
      let f = try fixture(
        scratch,
        files: [
          "src/a.c": "a", "src/a.o": "o", "src/sub/b.o": "o", "src/notes.tmp": "t", ".dockerignore": "src/*.tmp\n",
        ])
      let ctx = try BuildContext(directory: f.ctxDir)
      try await CopyOperation(
        CopyInstruction(sources: ["src"], destination: "/build", excludes: ["*.o", "**/*.o"]), from: .context(ctx)
      ).apply(to: f.rootfs, workdir: "/")
      #expect(FileTree.list(f.rootfs.appendingPathComponent("build")) == ["a.c", "sub"])
    }
  }

  @Test(.enabled(if: isRoot, "requires root")) func addExtractsLocalArchivesButCopyDoesNot() async throws {
    try await withScratchRoot { scratch in
      let f = try fixture(scratch, files: [:])
      let payload = try scratch.directory("payload")
      try FileTree.write(["top/one.txt": "1", "top/two/three.txt": "3"], in: payload)
      for (name, flag) in [("p.tar", ""), ("p.tar.gz", "z"), ("p.tar.bz2", "j"), ("p.tar.xz", "J")] {
        try Command.run(["tar", "-C", payload.path, "-c\(flag)f", f.ctxDir.appendingPathComponent(name).path, "top"])
      }
      try Command.run([
        "tar", "-C", payload.path, "--zstd", "-cf", f.ctxDir.appendingPathComponent("p.tar.zst").path, "top",
      ])
      let ctx = try BuildContext(directory: f.ctxDir)
      for name in ["p.tar", "p.tar.gz", "p.tar.bz2", "p.tar.xz", "p.tar.zst"] {
        try await CopyOperation(
          CopyInstruction(sources: [name], destination: "/x/\(name)/", isAdd: true), from: .context(ctx)
        )
        .apply(to: f.rootfs, workdir: "/")
        #expect(FileTree.read(f.rootfs.appendingPathComponent("x/\(name)/top/two/three.txt")) == "3", "\(name)")
      }
      try await CopyOperation(CopyInstruction(sources: ["p.tar.gz"], destination: "/y/"), from: .context(ctx))
        .apply(to: f.rootfs, workdir: "/")
      let copied = try #require(FileTree.stat(f.rootfs.appendingPathComponent("y/p.tar.gz")))
      #expect(copied.st_mode & S_IFMT == S_IFREG, "COPY never unpacks")
    }
  }

  /// ADD extracts with LayerFS's unpacker, as every archive path does: whiteout names are ordinary files (Docker
  /// extracts an ADD source as `tar -x` does), a link in the archive leads inside the rootfs only, owners and a
  /// FIFO's setuid mode are kept, and an entry climbing out with `..` is refused with the unpacker's error.
  @Test(.enabled(if: isRoot, "requires root")) func addExtractsThroughTheLayerUnpacker() async throws {
    try await withScratchRoot { scratch in
      let f = try fixture(scratch, files: [:])
      let outside = try scratch.directory("outside")
      var fifo = TarFixture.Entry(name: "top/pipe", type: "fifo", mode: 0o4755)
      fifo.uid = 33
      try TarFixture.write(
        [
          .dir("top"), .file("top/.wh.gone", "kept"), .dir("top/d"), .file("top/d/.wh..wh..opq", "kept too"),
          .symlink("top/esc", to: "/top/d"), .file("top/esc/abs", "inside"),
          .symlink("top/up", to: "../../../../../.."), .file("top/up/planted", "inside"), fifo,
        ], to: f.ctxDir.appendingPathComponent("a.tar").path)
      try TarFixture.write(
        [.file("ok", "1"), .file("../../../up", "x")], to: f.ctxDir.appendingPathComponent("bad.tar").path)
      let ctx = try BuildContext(directory: f.ctxDir)
      try await CopyOperation(CopyInstruction(sources: ["a.tar"], destination: "/x/", isAdd: true), from: .context(ctx))
        .apply(to: f.rootfs, workdir: "/")
      let top = f.rootfs.appendingPathComponent("x/top")
      #expect(FileTree.read(top.appendingPathComponent(".wh.gone")) == "kept")
      #expect(FileTree.read(top.appendingPathComponent("d/.wh..wh..opq")) == "kept too")
      // The archive's root is the destination: its links resolve there, `..` stops at it.
      #expect(FileTree.read(top.appendingPathComponent("d/abs")) == "inside")
      #expect(FileTree.read(f.rootfs.appendingPathComponent("x/planted")) == "inside")
      #expect(!FileManager.default.fileExists(atPath: scratch.path.path + "/planted"))
      #expect(!FileManager.default.fileExists(atPath: outside.path + "/planted"))
      let pipe = try #require(FileTree.stat(top.appendingPathComponent("pipe")))
      #expect(pipe.st_mode & S_IFMT == S_IFIFO && pipe.st_mode & 0o7777 == 0o4755 && pipe.st_uid == 33)
      do {
        try await CopyOperation(
          CopyInstruction(sources: ["bad.tar"], destination: "/y/", isAdd: true), from: .context(ctx)
        ).apply(to: f.rootfs, workdir: "/")
        Issue.record("an entry with ../ was extracted")
      } catch let BuildError.archive(what, reason) {
        #expect(what == "bad.tar" && reason.contains("../../../up"), "\(reason)")
      }
      #expect(!FileManager.default.fileExists(atPath: scratch.path.path + "/up"))
    }
  }

  /// A hostile context (any client of ckitd uploads one) names a host archive by a link: ADD must read the archive
  /// inside the context, as Docker does (a link resolves inside the context; one that leads nowhere there is a
  /// missing source), and never unpack the host's file. `loop.tar -> /<secret's host path>`, with the context's own
  /// copy of that path a link to itself, is the hole this closes: the builder's own resolver stopped after 40 links
  /// and handed the host a path through the last, which the host followed to its secret and unpacked. A link to a
  /// host file, a linked parent directory and a long chain fail the same way; links inside the context still work.
  @Test(.enabled(if: isRoot, "requires root")) func addReadsArchivesInsideTheContextOnly() async throws {
    try await withScratchRoot { scratch in
      let f = try fixture(scratch, files: [:])
      let marker = "host-secret-\(UUID().uuidString)"
      let secretDir = try scratch.directory("secret-\(UInt32.random(in: 0..<UInt32.max))")
      let secret = try TarFixture.write([.file("leaked.txt", marker)], to: secretDir.path + "/secret.tar")
      try TarFixture.write([.file("inside.txt", "inside")], to: f.ctxDir.path + "/real.tar")
      let ctxPath = f.ctxDir.path
      func link(_ name: String, _ target: String) throws {
        let path = ctxPath + "/" + name
        try FileManager.default.createDirectory(
          atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try #require(symlink(target, path) == 0, "symlink \(name)")
      }
      try link("direct.tar", secret)
      try link("parent", secretDir.path)
      try link("loop.tar", secret)
      try link(String(secret.dropFirst()), secret)
      for i in 0..<41 { try link("l\(i).tar", i == 40 ? secret : "l\(i + 1).tar") }
      try link("abs.tar", "/real.tar")
      try link("rel.tar", "real.tar")
      let ctx = try BuildContext(directory: f.ctxDir)
      for source in ["direct.tar", "parent/secret.tar", "loop.tar", String(secret.dropFirst()), "l0.tar"] {
        do throws(BuildError) {
          try await CopyOperation(
            CopyInstruction(sources: [source], destination: "/x/", isAdd: true), from: .context(ctx)
          )
          .apply(to: f.rootfs, workdir: "/")
          Issue.record("ADD \(source) succeeded")
        } catch {
          #expect(error == .sourceNotFound(source, instruction: "ADD"), "\(source): \(error)")
        }
        #expect(!FileTree.contains(f.rootfs, marker), "ADD \(source) unpacked the host's archive")
      }
      for source in ["abs.tar", "rel.tar"] {
        try await CopyOperation(
          CopyInstruction(sources: [source], destination: "/\(source)/", isAdd: true), from: .context(ctx)
        )
        .apply(to: f.rootfs, workdir: "/")
        #expect(FileTree.read(f.rootfs.appendingPathComponent("\(source)/inside.txt")) == "inside", "\(source)")
      }
    }
  }

  @Test(.enabled(if: isRoot, "requires root")) func symlinkInRootfsCannotEscape() async throws {
    try await withScratchRoot { scratch in
      let f = try fixture(scratch, files: ["a": "A"])
      let outside = try scratch.directory("outside")
      // An absolute link in the image points at "/outside...", which must resolve inside the rootfs.
      symlink(outside.path, f.rootfs.appendingPathComponent("evil").path)
      try await copy(f, CopyInstruction(sources: ["a"], destination: "/evil/"))
      #expect(FileTree.list(outside).isEmpty)
      #expect(FileTree.read(f.rootfs.appendingPathComponent(outside.path + "/a")) == "A")
    }
  }

  /// The image's `/dst` leads to a host directory, directly and through a chain of 41 links (one more than the
  /// kernel follows in a path walk): `COPY x /dst/sub/` must create `sub` and `x` inside the rootfs, or fail,
  /// and never touch the host directory. Before the destination was resolved with openat2(RESOLVE_IN_ROOT), the
  /// builder's own resolver stopped following after 40 links and handed the host kernel a path through the
  /// 41st, which followed it to the host: `sub/x` appeared in the host directory.
  @Test(.enabled(if: isRoot, "requires root")) func destinationLinksToTheHostStayInTheRootfs() async throws {
    try await withScratchRoot { scratch in
      let f = try fixture(scratch, files: ["x": "X", "tree/y": "Y"])
      let host = try scratch.directory("host-\(UInt32.random(in: 0..<UInt32.max))")
      let before = FileTree.manifest(host)
      symlink(host.path, f.rootfs.appendingPathComponent("dst").path)
      try await copy(f, CopyInstruction(sources: ["x"], destination: "/dst/sub/"))
      #expect(FileTree.read(f.rootfs.appendingPathComponent(host.path + "/sub/x")) == "X")
      try await copy(f, CopyInstruction(sources: ["tree"], destination: "/dst/t/"))
      #expect(FileTree.read(f.rootfs.appendingPathComponent(host.path + "/t/y")) == "Y")
      #expect(FileTree.manifest(host) == before, "the host directory changed")

      for i in 0..<40 { symlink("/l\(i + 1)", f.rootfs.appendingPathComponent("l\(i)").path) }
      symlink(host.path, f.rootfs.appendingPathComponent("l40").path)
      for (sources, destination) in [(["x"], "/l0/sub/"), (["tree"], "/l0/t/"), (["x"], "/l0/file")] {
        do {
          try await copy(f, CopyInstruction(sources: sources, destination: destination))
        } catch let BuildError.archive(_, reason) {
          #expect(reason.contains("Too many levels of symbolic links"), "\(reason)")
        }
        #expect(FileTree.manifest(host) == before, "COPY \(sources) \(destination) wrote to the host")
      }
    }
  }

  @Test(.enabled(if: isRoot, "requires root")) func copyFromAnotherRootKeepsOwners() async throws {
    try await withScratchRoot { scratch in
      let f = try fixture(scratch, files: [:])
      let stage = try scratch.directory("stage")
      try FileTree.write(["out/bin": "ELF"], in: stage)
      chown(stage.appendingPathComponent("out/bin").path, 7, 8)
      try await CopyOperation(
        CopyInstruction(sources: ["/out/bin"], destination: "/usr/local/bin/"), from: .rootfs(stage)
      )
      .apply(to: f.rootfs, workdir: "/")
      let st = try #require(FileTree.stat(f.rootfs.appendingPathComponent("usr/local/bin/bin")))
      #expect(st.st_uid == 7 && st.st_gid == 8)
    }
  }
}
