/// How `commit` makes an image of a container (docker commit's flags).
public struct CommitOptions: Sendable, Equatable {
  /// `REPOSITORY[:TAG]` to tag the image with; nil leaves it untagged (dangling).
  public var reference: String?
  /// The image's author (`-a`).
  public var author: String?
  /// The commit message, the new history entry's comment (`-m`).
  public var message: String?
  /// Dockerfile instructions applied to the image's config (`-c 'CMD ["sh"]'`): CMD, ENTRYPOINT, ENV, EXPOSE,
  /// LABEL, USER, WORKDIR, STOPSIGNAL.
  public var changes: [String]
  /// Freezes a running container while its filesystem is read, as docker does by default, so that the image is
  /// one consistent moment of it.
  public var pause: Bool

  /// A commit with docker's defaults: untagged, paused.
  public init(
    reference: String? = nil, author: String? = nil, message: String? = nil, changes: [String] = [],
    pause: Bool = true
  ) {
    self.reference = reference
    self.author = author
    self.message = message
    self.changes = changes
    self.pause = pause
  }
}
