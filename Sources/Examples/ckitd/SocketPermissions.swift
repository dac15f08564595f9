import Glibc
import LinuxSystem

/// The API socket is root-equivalent (whoever reaches it runs containers as root): mode 0660 and group `ckit` when
/// that group exists (its members are trusted as Docker's `docker` group is), else 0600, root only.
enum SocketPermissions {
  static func restrict(_ path: String, group: String) throws {
    if let gid = groupID(group) {
      guard chown(path, 0, gid) == 0, chmod(path, 0o660) == 0 else {
        throw APIError(.internalServerError, "\(path): cannot set its group: errno \(errno)")
      }
    } else {
      guard chmod(path, 0o600) == 0 else {
        throw APIError(.internalServerError, "\(path): cannot set its mode: errno \(errno)")
      }
    }
  }

  /// The group's ID from `/etc/group` (`name:password:gid:members`). Not getgrnam: the release binary is static,
  /// and static glibc's getgrnam loads the NSS modules nsswitch.conf names after `files` (systemd's) with dlopen,
  /// which crashes a static process; a group given to the socket is a local one anyway.
  static func groupID(_ name: String, file: String = "/etc/group") -> gid_t? {
    for line in (SystemFile.read(file) ?? "").split(separator: "\n") {
      let fields = line.split(separator: ":", omittingEmptySubsequences: false)
      if fields.count >= 3, fields[0] == name, let gid = gid_t(fields[2]) { return gid }
    }
    return nil
  }
}
