import Foundation

/// Which of a container's logged output `ContainerEngine.logs` returns, Docker's `logs` options.
public struct LogOptions: Sendable, Equatable {
  /// Keep the sequence open for what the container writes next, until it stops for good (after its last restart).
  public var follow: Bool
  /// Only lines logged at or after this time.
  public var since: Date?
  /// Only lines logged at or before this time; a follow ends once it has passed.
  public var until: Date?
  /// Only the last `tail` lines of what was logged before the call (nil: all); followed lines all come.
  public var tail: Int?
  /// Prefix each line's text with the time it was logged (RFC 3339 with nanoseconds, as logged) and a space.
  public var timestamps: Bool

  /// Docker's defaults: everything logged so far, no follow, no timestamps.
  public init(
    follow: Bool = false, since: Date? = nil, until: Date? = nil, tail: Int? = nil, timestamps: Bool = false
  ) {
    self.follow = follow
    self.since = since
    self.until = until
    self.tail = tail
    self.timestamps = timestamps
  }
}
