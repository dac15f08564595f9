import DockerfileParser

/// One COPY or ADD after word expansion: what the Dockerfile asked for, before any file is looked at.
public struct CopyInstruction: Hashable, Sendable {
  /// Source paths or wildcards, relative to the context (or to `from`'s root).
  public var sources: [String]
  /// Absolute, or relative to WORKDIR; a trailing `/` makes it a directory.
  public var destination: String
  /// `--chown=user[:group]`, resolved against the image's own passwd and group files.
  public var chown: String?
  /// `--chmod=` octal mode for every copied file and directory.
  public var chmod: String?
  /// `--exclude=` patterns, matched against paths below each source.
  public var excludes: [String]
  /// `--from=` a stage name or index, or an image.
  public var from: String?
  /// ADD rather than COPY: local tar archives are unpacked, URLs downloaded.
  public var isAdd: Bool
  /// `--link`: accepted; the layer is self-contained either way since each step commits its own diff.
  public var link: Bool
  /// ADD `--checksum=sha256:...` for a URL source.
  public var checksum: String?

  public init(
    sources: [String], destination: String, chown: String? = nil, chmod: String? = nil, excludes: [String] = [],
    from: String? = nil, isAdd: Bool = false, link: Bool = false, checksum: String? = nil
  ) {
    self.sources = sources
    self.destination = destination
    self.chown = chown
    self.chmod = chmod
    self.excludes = excludes
    self.from = from
    self.isAdd = isAdd
    self.link = link
    self.checksum = checksum
  }

  /// The instruction's name, for error messages and history.
  public var keyword: String { isAdd ? "ADD" : "COPY" }

  /// The text used in the cache key and history (`COPY --chown=1:1 a b /dst/`).
  public var canonicalText: String {
    var words = [keyword]
    if let from { words.append("--from=\(from)") }
    if let chown { words.append("--chown=\(chown)") }
    if let chmod { words.append("--chmod=\(chmod)") }
    for e in excludes { words.append("--exclude=\(e)") }
    if link { words.append("--link") }
    if let checksum { words.append("--checksum=\(checksum)") }
    return (words + sources + [destination]).joined(separator: " ")
  }
}

extension CopyInstruction {
  /// A typed, expanded COPY.
  init(_ c: Copy) throws(BuildError) {
    self.init(
      sources: try Self.paths(c.sources, "COPY"), destination: c.destination, chown: c.chown, chmod: c.chmod,
      excludes: c.excludes, from: c.from, isAdd: false, link: c.link)
  }

  /// A typed, expanded ADD.
  init(_ a: Add) throws(BuildError) {
    self.init(
      sources: try Self.paths(a.sources, "ADD"), destination: a.destination, chown: a.chown, chmod: a.chmod,
      excludes: a.excludes, isAdd: true, link: a.link, checksum: a.checksum)
  }

  private static func paths(_ sources: [Source], _ keyword: String) throws(BuildError) -> [String] {
    var out: [String] = []
    for s in sources {
      guard case .path(let p) = s else {
        throw .invalidInstruction(keyword, reason: "inline heredoc sources are not supported by this builder")
      }
      out.append(p)
    }
    return out
  }
}
