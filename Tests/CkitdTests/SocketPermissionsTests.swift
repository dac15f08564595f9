import Foundation
import Testing

@testable import ckitd

/// The API socket's group, read from a group file (the static release binary cannot use getgrnam), and the JSON
/// strings appended whole or escaped.
@Suite struct SocketPermissionsTests {
  @Test func groupIDComesFromTheGroupFile() throws {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("ckitd-group-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: file) }
    try "root:x:0:\nckitdev:x:1234:alice,bob\nckit:x:998:\nbroken\n:x:7:\n".write(
      to: file, atomically: true, encoding: .utf8)
    #expect(SocketPermissions.groupID("ckit", file: file.path) == 998)
    #expect(SocketPermissions.groupID("ckitdev", file: file.path) == 1234)
    #expect(SocketPermissions.groupID("nope", file: file.path) == nil)
    #expect(SocketPermissions.groupID("broken", file: file.path) == nil)
    #expect(SocketPermissions.groupID("ckit", file: file.path + ".missing") == nil)
  }

  @Test func stringsAreEscapedOnlyWhenTheyNeedIt() {
    let plain = JSON.string("/busy_box-1.36:latest")
    #expect(plain.serialized() == #""/busy_box-1.36:latest""#)
    let special = JSON.array([.string("a\"b\\c\n<&>"), .string("é\u{2028}")])
    #expect(special.serialized() == #"["a\"b\\c\n\u003c\u0026\u003e","é\u2028"]"#)
  }
}
