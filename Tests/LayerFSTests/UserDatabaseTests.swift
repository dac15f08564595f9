import Foundation
import Testing

@testable import LayerFS

/// #13: an image's `/etc/passwd` and `/etc/group` are read inside its root, regular files only, bounded.
@Suite struct UserDatabaseTests {
  func withRootfs(_ body: (String) throws -> Void) throws {
    let scratch = try Scratch("userdb")
    defer { scratch.remove() }
    try FileOps.makeDirectories(scratch.path + "/rootfs/etc")
    try body(scratch.path + "/rootfs")
  }

  @Test func readsTheImagesOwnUsersAndGroups() throws {
    try withRootfs { root in
      try "root:x:0:0:root:/root:/bin/sh\n# comment\nwww:x:33:33::/var/www:/bin/false\nbad:line\n".write(
        toFile: root + "/etc/passwd", atomically: false, encoding: .utf8)
      try "root:x:0:\nstaff:x:50:www,other\n".write(toFile: root + "/etc/group", atomically: false, encoding: .utf8)
      let db = try UserDatabase(rootfs: root)
      #expect(db.user(named: "www") == UserDatabase.User(name: "www", uid: 33, gid: 33, home: "/var/www"))
      #expect(db.user(id: 0)?.name == "root")
      #expect(db.group(named: "staff") == UserDatabase.Group(name: "staff", gid: 50, members: ["www", "other"]))
      #expect(db.users.count == 2)
    }
  }

  /// An absolute link to a host file resolves inside the root: the host's entry is never seen.
  @Test func aLinkToAHostFileResolvesInTheRoot() throws {
    let host = FileManager.default.temporaryDirectory.path + "/ckit-hostpasswd-\(UUID().uuidString.prefix(8))"
    try "hostonly:x:4242:4242::/:/bin/sh\n".write(toFile: host, atomically: false, encoding: .utf8)
    defer { unlink(host) }
    try withRootfs { root in
      #expect(symlink(host, root + "/etc/passwd") == 0)
      #expect(symlink("../../../../../../..\(host)", root + "/etc/group") == 0)
      let db = try UserDatabase(rootfs: root)
      #expect(db.users.isEmpty && db.groups.isEmpty)
      // Where the link points inside the root, the image's own file is read.
      try FileOps.makeDirectories(root + FileOps.parent(of: host))
      try "inroot:x:7:7::/:/bin/sh\n".write(toFile: root + host, atomically: false, encoding: .utf8)
      #expect(try UserDatabase(rootfs: root).user(named: "inroot")?.uid == 7)
      #expect(try UserDatabase(rootfs: root).user(named: "hostonly") == nil)
    }
  }

  /// A FIFO would block the open (and the read) forever: refused unopened, at once.
  @Test func aFIFOIsRefusedWithoutWaiting() throws {
    try withRootfs { root in
      #expect(mkfifo(root + "/etc/passwd", 0o644) == 0)
      #expect {
        _ = try UserDatabase(rootfs: root)
      } throws: { error in
        "\(error)" == "refused \(root)/etc/passwd: not a regular file"
      }
    }
  }

  @Test func aFileBeyondTheBoundIsAnError() throws {
    try withRootfs { root in
      let fd = open(root + "/etc/group", O_WRONLY | O_CREAT, 0o644)
      #expect(ftruncate(fd, off_t(UserDatabase.maxFileBytes + 1)) == 0)
      close(fd)
      #expect {
        _ = try UserDatabase(rootfs: root)
      } throws: { error in
        "\(error)".contains("larger than \(UserDatabase.maxFileBytes) bytes")
      }
    }
  }
}
