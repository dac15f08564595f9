/// One line of a mountinfo file (`/proc/<pid>/mountinfo`, proc(5)): where something is mounted and what. Only
/// ``MountInfo/parse(_:)`` makes one.
public struct MountInfoEntry: Sendable, Hashable {
  /// The mount point, unescaped (field 5).
  public var mountPoint: String
  /// The root of the mount within its file system, unescaped (field 4): `/` unless a bind mount of a subtree.
  public var root: String
  /// The per-mount options (`rw,nosuid`), field 6.
  public var mountOptions: [String]
  /// The file system type after the ` - ` separator (`cgroup2`, `overlay`).
  public var fsType: String
  /// The mount source (`/dev/sda1`, `overlay`), unescaped.
  public var source: String
  /// The per-superblock options (for a v1 `cgroup` mount, its controllers among them).
  public var superOptions: [String]
}

/// The one mountinfo parser of the package (cgroup discovery, mount-point checks, the tests' leak checks).
public enum MountInfo {
  /// The entries of a mountinfo text, in order; malformed lines are skipped.
  public static func parse(_ text: String) -> [MountInfoEntry] {
    text.split(separator: "\n").compactMap { line in
      let fields = line.split(separator: " ", omittingEmptySubsequences: true)
      // id parent major:minor root mount-point options [optional fields...] - type source super-options
      guard let dash = fields.firstIndex(of: "-"), dash >= 6, fields.count > dash + 3 else { return nil }
      return MountInfoEntry(
        mountPoint: unescape(fields[4]), root: unescape(fields[3]),
        mountOptions: fields[5].split(separator: ",").map(String.init), fsType: String(fields[dash + 1]),
        source: unescape(fields[dash + 2]), superOptions: fields[dash + 3].split(separator: ",").map(String.init))
    }
  }

  /// The mount table of the calling thread's mount namespace (`/proc/thread-self/mountinfo`), or of the file at
  /// `path`; empty when it cannot be read.
  public static func read(_ path: String = "/proc/thread-self/mountinfo") -> [MountInfoEntry] {
    parse(SystemFile.read(path) ?? "")
  }

  /// A mountinfo field with its `\ooo` octal escapes (space, tab, newline, backslash) decoded.
  public static func unescape(_ field: some StringProtocol) -> String {
    guard field.contains("\\") else { return String(field) }
    var bytes: [UInt8] = []
    let utf8 = Array(field.utf8)
    var index = 0
    while index < utf8.count {
      if utf8[index] == UInt8(ascii: "\\"), index + 3 < utf8.count,
        let value = UInt8(String(decoding: utf8[(index + 1)..<(index + 4)], as: UTF8.self), radix: 8)
      {
        bytes.append(value)
        index += 4
      } else {
        bytes.append(utf8[index])
        index += 1
      }
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}
