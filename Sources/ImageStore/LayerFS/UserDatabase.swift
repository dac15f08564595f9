/// Names to IDs from a root filesystem's own `/etc/passwd` and `/etc/group`, never the host's: `ckit run -u www`,
/// `ckit exec -u`, the builder's `USER` and `--chown=www:www` all mean the users of the image. One reader for all
/// of them, because the image is hostile: its files are read resolved inside its root, regular files only, and
/// bounded (see `FileOps.readRegularFile(inRoot:_:limit:)`).
public struct UserDatabase: Sendable {
  /// A line of `/etc/passwd`; only the database makes them.
  public struct User: Sendable, Equatable {
    public var name: String
    public var uid: UInt32
    public var gid: UInt32
    public var home: String
  }

  /// A line of `/etc/group`; only the database makes them.
  public struct Group: Sendable, Equatable {
    public var name: String
    public var gid: UInt32
    public var members: [String]
  }

  /// The largest `/etc/passwd` or `/etc/group` read (4 MiB): a system's with tens of thousands of users fits;
  /// an image's 10 GB one is an error, not an allocation.
  public static let maxFileBytes = 4 << 20

  public var users: [User] = []
  public var groups: [Group] = []

  /// An empty database: numeric IDs still work.
  public init() {}

  /// Reads the databases of `rootfs`; missing files mean an empty database (numeric IDs still work).
  public init(rootfs: String) throws(LayerFSError) {
    func lines(_ path: String) throws(LayerFSError) -> [[Substring]] {
      guard let bytes = try FileOps.readRegularFile(inRoot: rootfs, path, limit: Self.maxFileBytes) else {
        return []
      }
      return String(decoding: bytes, as: UTF8.self).split(separator: "\n").filter { !$0.hasPrefix("#") }
        .map { $0.split(separator: ":", omittingEmptySubsequences: false) }
    }
    users = try lines("/etc/passwd").compactMap { f in
      guard f.count >= 4, let uid = UInt32(f[2]), let gid = UInt32(f[3]) else { return nil }
      return User(name: String(f[0]), uid: uid, gid: gid, home: f.count > 5 ? String(f[5]) : "/")
    }
    groups = try lines("/etc/group").compactMap { f in
      guard f.count >= 3, let gid = UInt32(f[2]) else { return nil }
      let members = f.count > 3 ? f[3].split(separator: ",").map(String.init) : []
      return Group(name: String(f[0]), gid: gid, members: members)
    }
  }

  public func user(named name: String) -> User? { users.first { $0.name == name } }
  public func user(id: UInt32) -> User? { users.first { $0.uid == id } }
  public func group(named name: String) -> Group? { groups.first { $0.name == name } }
}
