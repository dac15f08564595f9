import Glibc

/// The API socket is root-equivalent (whoever reaches it runs containers as root): mode 0660 and group `ckit` when
/// that group exists (its members are trusted as Docker's `docker` group is), else 0600, root only.
enum SocketPermissions {
  static func restrict(_ path: String, group: String) throws {
    if let entry = getgrnam(group) {
      guard chown(path, 0, entry.pointee.gr_gid) == 0, chmod(path, 0o660) == 0 else {
        throw APIError(.internalServerError, "\(path): cannot set its group: errno \(errno)")
      }
    } else {
      guard chmod(path, 0o600) == 0 else {
        throw APIError(.internalServerError, "\(path): cannot set its mode: errno \(errno)")
      }
    }
  }
}
