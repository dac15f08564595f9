import OCI

/// Image names as Docker shows them: `busybox:latest` for `docker.io/library/busybox:latest`, so a name given in
/// either form finds the same record.
public enum ImageName {
  /// `name[:tag]` -> familiar `repository:tag` (`latest` by default). Throws on a malformed name.
  public static func normalize(_ reference: String) throws(ImageStoreError) -> String {
    var (repo, tag) = split(reference)
    if repo.hasPrefix("docker.io/library/") { repo.removeFirst("docker.io/library/".count) }
    if repo.hasPrefix("index.docker.io/library/") { repo.removeFirst("index.docker.io/library/".count) }
    if repo.hasPrefix("docker.io/") { repo.removeFirst("docker.io/".count) }
    guard !repo.isEmpty, repo.utf8.count <= 255 else {
      throw .invalidName(reference, reason: "empty or longer than 255 characters")
    }
    let path = repo.split(separator: "/", omittingEmptySubsequences: false)
    for (i, c) in path.enumerated() {
      let isHost = i == 0 && path.count > 1 && (c.contains(".") || c.contains(":") || c == "localhost")
      let allowed: (Character) -> Bool =
        isHost
        ? { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == ":") }
        : { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-") }
      guard !c.isEmpty, c.allSatisfy(allowed) else {
        throw .invalidName(reference, reason: "path component \"\(c)\" must be lowercase [a-z0-9._-]")
      }
    }
    guard let first = tag.first, first.isASCII, first.isLetter || first.isNumber || first == "_", tag.count <= 128,
      tag.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "-") })
    else {
      throw .invalidName(reference, reason: "tag \"\(tag)\" must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
    }
    return repo + ":" + tag
  }

  /// Splits at the tag colon (the last ':' after the last '/'), defaulting the tag to `latest`.
  public static func split(_ reference: String) -> (repository: String, tag: String) {
    let slash = reference.lastIndex(of: "/")
    if let colon = reference.lastIndex(of: ":"), slash.map({ colon > $0 }) ?? true {
      return (String(reference[..<colon]), String(reference[reference.index(after: colon)...]))
    }
    return (reference, "latest")
  }
}
