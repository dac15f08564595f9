/// One line of docker's report of an image removal (`rmi`, `DELETE /images/{name}`): a name taken off the image,
/// or the image itself deleted once no name is left.
public enum ImageRemoval: Equatable, Hashable, Sendable, CustomStringConvertible {
  /// A name the image no longer has, in docker's short form (`busybox:latest`).
  case untagged(String)
  /// The image's ID: no name is left on it, so it is gone from the list.
  case deleted(String)

  /// Docker's line: `Untagged: busybox:latest`, `Deleted: sha256:…`.
  public var description: String {
    switch self {
    case .untagged(let name): "Untagged: \(name)"
    case .deleted(let id): "Deleted: \(id)"
    }
  }
}
