import Foundation

/// Where COPY and ADD read from: the build context (filtered by `.dockerignore`, owners reset to root) or the root
/// filesystem of an earlier stage or another image (everything visible, owners kept).
public enum CopySource: Sendable {
  case context(BuildContext)
  case rootfs(URL)

  var root: URL {
    switch self {
    case .context(let c): c.root
    case .rootfs(let u): u
    }
  }

  /// Whether files keep their owners when copied (`--from`); context files become root's, as in Docker.
  var preservesOwners: Bool {
    if case .rootfs = self { return true }
    return false
  }

  func isExcluded(_ rel: String) -> Bool {
    if case .context(let c) = self { return c.isExcluded(rel) }
    return false
  }
}
