/// One repository a registry's search found, as docker's `search` shows it (`name`, `description`, `star_count`,
/// `is_official`, `is_automated`).
public struct ImageSearchResult: Equatable, Hashable, Sendable {
  /// The repository's name (`busybox`, `library/busybox`, `me/tool`).
  public var name: String
  /// The repository's one-line description; empty without one.
  public var description: String
  /// How many users starred it (Docker Hub); 0 where the registry does not count.
  public var starCount: Int
  /// Whether it is one of Docker's official images.
  public var isOfficial: Bool
  /// Whether it was built automatically (a Docker Hub flag no longer set).
  public var isAutomated: Bool

  /// A search result; the engine makes these from the registry's answer.
  public init(
    name: String, description: String = "", starCount: Int = 0, isOfficial: Bool = false, isAutomated: Bool = false
  ) {
    self.name = name
    self.description = description
    self.starCount = starCount
    self.isOfficial = isOfficial
    self.isAutomated = isAutomated
  }
}
