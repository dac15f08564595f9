import Foundation
import LayerFS

/// The builder's `USER` and `--chown` over the image's own users (LayerFS's `UserDatabase`, the reader `ckit run
/// -u` uses too).
extension UserDatabase {
  /// The databases of the step's root filesystem; one the image made unreadable (a FIFO, a file too big) fails
  /// the step with the reason.
  init(buildRootfs rootfs: URL?) throws(BuildError) {
    guard let rootfs else {
      self.init()
      return
    }
    do { try self.init(rootfs: rootfs.path) } catch { throw .underlying(error.description) }
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
    } else if let u = user(named: userPart) {
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
    if let grp = group(named: g) { return grp.gid }
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
      if let u = self.user(id: n) {
        gid = u.gid
        name = u.name
      }
    } else if let u = self.user(named: user) {
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
