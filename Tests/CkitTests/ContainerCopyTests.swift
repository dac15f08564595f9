import CLayerFS
import ContainerEngine
import Foundation
import TestSupport
import Testing

/// `cp`'s two halves on a tree shaped like a container's root: links resolve inside it, tar streams list.
@Suite struct ContainerCopyTests {
  /// A fake container root: its own /etc/shadow, a link to it, a link to its /etc, a directory with a hard link.
  static func makeRoot(_ scratch: ScratchRoot) throws -> String {
    let root = try scratch.directory("rootfs").path
    let fm = FileManager.default
    for d in ["etc", "tmp/d/sub"] { try fm.createDirectory(atPath: root + "/" + d, withIntermediateDirectories: true) }
    try "container shadow\n".write(toFile: root + "/etc/shadow", atomically: false, encoding: .utf8)
    try fm.createSymbolicLink(atPath: root + "/tmp/shadow", withDestinationPath: "/etc/shadow")
    try fm.createSymbolicLink(atPath: root + "/tmp/etclink", withDestinationPath: "../../../../etc")
    try "one\n".write(toFile: root + "/tmp/d/one", atomically: false, encoding: .utf8)
    try "two\n".write(toFile: root + "/tmp/d/sub/two", atomically: false, encoding: .utf8)
    try fm.linkItem(atPath: root + "/tmp/d/one", toPath: root + "/tmp/d/sub/one-again")
    try fm.createSymbolicLink(atPath: root + "/tmp/d/up", withDestinationPath: "/etc")
    return root
  }

  static func tar(_ archiver: RootedArchiver, _ path: String, as name: String, scratch: ScratchRoot) throws -> String {
    let file = scratch.path.appendingPathComponent("out-\(UUID().uuidString).tar").path
    let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    #expect(fd >= 0)
    defer { close(fd) }
    try archiver.write(path, as: name, to: fd)
    return file
  }

  /// `/tmp/shadow -> /etc/shadow` followed (-L) is the container's shadow, never the host's.
  @Test func aLinkToEtcShadowResolvesInTheContainer() async throws {
    try await withScratchRoot { scratch in
      let root = try Self.makeRoot(scratch)
      let out = try scratch.directory("host").path
      let follow = RootedArchiver(root: root, followLast: true)
      try await ContainerCopy.copy(
        "/tmp/shadow", as: "shadow", with: follow, into: out, preserveOwnership: false)
      #expect(try String(contentsOfFile: out + "/shadow", encoding: .utf8) == "container shadow\n")
      // Through a link in the middle of the path, with `..` past the root: still the container's /etc.
      try await ContainerCopy.copy(
        "/tmp/etclink/../etc/shadow", as: "again", with: RootedArchiver(root: root), into: out,
        preserveOwnership: false)
      #expect(try String(contentsOfFile: out + "/again", encoding: .utf8) == "container shadow\n")
      // Without -L the link itself is copied, pointing where it pointed.
      try await ContainerCopy.copy(
        "/tmp/shadow", as: "link", with: RootedArchiver(root: root), into: out, preserveOwnership: false)
      #expect(try FileManager.default.destinationOfSymbolicLink(atPath: out + "/link") == "/etc/shadow")
    }
  }

  @Test func aDirectoryCopiesWholeWithItsLinks() async throws {
    try await withScratchRoot { scratch in
      let root = try Self.makeRoot(scratch)
      let out = try scratch.directory("host").path
      try await ContainerCopy.copy(
        "/tmp/d", as: "copy", with: RootedArchiver(root: root), into: out, preserveOwnership: false)
      #expect(try String(contentsOfFile: out + "/copy/one", encoding: .utf8) == "one\n")
      #expect(try String(contentsOfFile: out + "/copy/sub/two", encoding: .utf8) == "two\n")
      var a = stat()
      var b = stat()
      #expect(lstat(out + "/copy/one", &a) == 0 && lstat(out + "/copy/sub/one-again", &b) == 0)
      #expect(a.st_ino == b.st_ino, "hard link kept")
      #expect(try FileManager.default.destinationOfSymbolicLink(atPath: out + "/copy/up") == "/etc")
      // `/.` copies the contents into an existing directory.
      let into = try scratch.directory("into").path
      try await ContainerCopy.copy(
        "/tmp/d/.", as: ".", with: RootedArchiver(root: root), into: into, preserveOwnership: false)
      #expect(FileManager.default.fileExists(atPath: into + "/sub/two"))
    }
  }

  @Test func aTarStreamListsWithTar() async throws {
    try await withScratchRoot { scratch in
      let root = try Self.makeRoot(scratch)
      let file = try Self.tar(RootedArchiver(root: root, owner: (1234, 5678)), "/tmp/d", as: "d", scratch: scratch)
      let listed = try Command.run(["tar", "-tf", file]).stdout.split(separator: "\n").map(String.init)
      #expect(listed == ["d/", "d/one", "d/sub/", "d/sub/one-again", "d/sub/two", "d/up"])
      let verbose = try Command.run(["tar", "--numeric-owner", "-tvf", file]).stdout
      #expect(verbose.contains("1234/5678"), "\(verbose)")
      #expect(verbose.contains("d/up -> /etc"))
      #expect(verbose.contains("d/sub/one-again link to d/one"))
    }
  }

  @Test func aMissingSourceIsNamed() async throws {
    try await withScratchRoot { scratch in
      let root = try Self.makeRoot(scratch)
      #expect(throws: RootedArchiver.Failure.notFound(path: "/no/such")) {
        _ = try Self.tar(RootedArchiver(root: root), "/no/such", as: "such", scratch: scratch)
      }
      // A dangling link followed: not found inside the root, though the host has /etc/passwd.
      try FileManager.default.createSymbolicLink(atPath: root + "/tmp/pw", withDestinationPath: "/etc/passwd")
      #expect(throws: RootedArchiver.Failure.notFound(path: "/tmp/pw")) {
        _ = try Self.tar(RootedArchiver(root: root, followLast: true), "/tmp/pw", as: "pw", scratch: scratch)
      }
    }
  }

  @Test func dockersNamingRules() throws {
    let tmp = FileManager.default.temporaryDirectory.path
    #expect(ContainerCopy.target(source: "/tmp/d", destination: tmp) == (tmp, "d"))
    #expect(ContainerCopy.target(source: "/tmp/d/.", destination: tmp) == (tmp, "."))
    #expect(ContainerCopy.target(source: "/a/file", destination: tmp + "/nosuch-x") == (tmp, "nosuch-x"))
    #expect(ContainerCopy.baseName("/") == ".")
    #expect(ContainerCopy.baseName("/tmp/d/") == "d")
    #expect(ContainerCopy.baseName("/tmp/d/..") == "tmp")
    #expect(ContainerCopy.baseName("/tmp/..") == ".")
    #expect(ContainerCopy.baseName("rel/./x") == "x")
  }

  /// The root itself (`cp c:/ -`) archives as its contents, with names a tar can hold.
  @Test func theRootArchivesAsItsContents() async throws {
    try await withScratchRoot { scratch in
      let root = try Self.makeRoot(scratch)
      let file = try Self.tar(RootedArchiver(root: root), "/", as: ContainerCopy.baseName("/"), scratch: scratch)
      let listed = try Command.run(["tar", "-tf", file]).stdout.split(separator: "\n").map(String.init)
      #expect(listed.first == "./", "\(listed)")
      #expect(listed.contains("etc/shadow") && listed.contains("tmp/d/sub/two"), "\(listed)")
      #expect(!listed.contains { $0.hasPrefix("/") || $0.contains("..") })
    }
  }

  /// A reader that went away (`cp c:/x - | head`) ends the copy with an error; SIGPIPE would end this process.
  @Test func aClosedReaderIsAnErrorNotASignal() async throws {
    try await withScratchRoot { scratch in
      let root = try Self.makeRoot(scratch)
      try Data(repeating: 7, count: 1 << 20).write(to: URL(fileURLWithPath: root + "/tmp/d/big"))
      var fds: [Int32] = [0, 0]
      #expect(pipe(&fds) == 0)
      close(fds[0])
      defer { close(fds[1]) }
      await #expect(throws: EngineError.self) {
        try await ContainerCopy.archive(
          rootfs: root, path: "/tmp/d", container: "c", followLink: false, keepOwners: false, to: fds[1])
      }
    }
  }

  /// xattrs travel with the copy (a file's and a directory's), as docker's cp keeps them.
  @Test func xattrsAreKept() async throws {
    try await withScratchRoot { scratch in
      let root = try Self.makeRoot(scratch)
      #expect(setxattr(root + "/tmp/d/one", "user.ckit", "file-value", 10, 0) == 0, "\(errno)")
      #expect(setxattr(root + "/tmp/d/sub", "user.ckit", "dir-value", 9, 0) == 0)
      let out = try scratch.directory("host").path
      try await ContainerCopy.copy(
        "/tmp/d", as: "d", with: RootedArchiver(root: root), into: out, preserveOwnership: true)
      func value(_ path: String) -> String? {
        var buf = [UInt8](repeating: 0, count: 64)
        let n = getxattr(path, "user.ckit", &buf, buf.count)
        return n < 0 ? nil : String(decoding: buf[0..<n], as: UTF8.self)
      }
      #expect(value(out + "/d/one") == "file-value")
      #expect(value(out + "/d/sub") == "dir-value")
    }
  }
}
