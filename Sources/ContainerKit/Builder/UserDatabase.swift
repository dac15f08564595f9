import Foundation

/// Names to IDs from a rootfs's own `/etc/passwd` and `/etc/group`, never the host's: `--chown=www:www` and `USER`
/// mean the users of the image being built.
struct UserDatabase: Sendable {
  struct User: Sendable, Equatable {
    var name: String
    var uid: UInt32
    var gid: UInt32
    var home: String
  }

  var users: [User]
  var groups: [(name: String, gid: UInt32, members: [String])]

  /// Reads the databases of `rootfs`; missing files mean an empty database (numeric IDs still work).
  init(rootfs: URL?) {
    func lines(_ p: String) -> [[String]] {
      guard let rootfs,
        let data = FileManager.default.contents(atPath: ScopedPath.resolve(p, in: rootfs).path)
      else { return [] }
      return String(decoding: data, as: UTF8.self).split(separator: "\n").filter { !$0.hasPrefix("#") }
        .map { $0.split(separator: ":", omittingEmptySubsequences: false).map(String.init) }
    }
    users = lines("/etc/passwd").compactMap { f in
      guard f.count >= 4, let uid = UInt32(f[2]), let gid = UInt32(f[3]) else { return nil }
      return User(name: f[0], uid: uid, gid: gid, home: f.count > 5 ? f[5] : "/")
    }
    groups = lines("/etc/group").compactMap { f in
      guard f.count >= 3, let gid = UInt32(f[2]) else { return nil }
      let members = f.count > 3 ? f[3].split(separator: ",").map(String.init) : []
      return (f[0], gid, members)
    }
  }

  /// `--chown` semantics: `user[:group]`, names or numbers; a user without a group uses the same numeric ID as
  /// group when given as a number, and the user's primary group when given as a name.
  func resolveChown(_ spec: String) throws(BuildError) -> (uid: UInt32, gid: UInt32) {
    let parts = spec.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
    let userPart = parts[0]
    let uid: UInt32
    var primary: UInt32?
    if let n = UInt32(userPart) {
      uid = n
      primary = n
    } else if let u = users.first(where: { $0.name == userPart }) {
      uid = u.uid
      primary = u.gid
    } else {
      throw .unknownUser(userPart)
    }
    guard parts.count == 2, !parts[1].isEmpty else {
      return (uid, primary ?? uid)
    }
    return (uid, try resolveGroup(parts[1]))
  }

  func resolveGroup(_ g: String) throws(BuildError) -> UInt32 {
    if let n = UInt32(g) { return n }
    if let grp = groups.first(where: { $0.name == g }) { return grp.gid }
    throw .unknownUser(g)
  }

  /// `USER` semantics for a RUN: the IDs, and the supplementary groups a login would get.
  func resolveUser(_ spec: String) throws(BuildError) -> (uid: UInt32, gid: UInt32, additional: [UInt32]) {
    let parts = spec.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
    let user = parts[0]
    var uid: UInt32
    var gid: UInt32 = 0
    var name: String?
    if let n = UInt32(user) {
      uid = n
      if let u = users.first(where: { $0.uid == n }) {
        gid = u.gid
        name = u.name
      }
    } else if let u = users.first(where: { $0.name == user }) {
      uid = u.uid
      gid = u.gid
      name = u.name
    } else {
      throw .unknownUser(user)
    }
    if parts.count == 2, !parts[1].isEmpty {
      gid = try resolveGroup(parts[1])
      return (uid, gid, [])
    }
    let extra = name.map { n in groups.filter { $0.members.contains(n) && $0.gid != gid }.map(\.gid) } ?? []
    return (uid, gid, extra)
  }
}
