/// One row of `docker search`: NAME, DESCRIPTION, STARS, OFFICIAL.
public struct SearchResult: Sendable, Hashable, Codable {
  public var name: String
  public var description: String
  public var starCount: Int
  public var isOfficial: Bool
  public var isAutomated: Bool

  enum CodingKeys: String, CodingKey {
    case name, description
    case starCount = "star_count"
    case isOfficial = "is_official"
    case isAutomated = "is_automated"
  }

  public init(
    name: String, description: String = "", starCount: Int = 0, isOfficial: Bool = false,
    isAutomated: Bool = false
  ) {
    self.name = name
    self.description = description
    self.starCount = starCount
    self.isOfficial = isOfficial
    self.isAutomated = isAutomated
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    name = try c.decode(String.self, forKey: .name)
    description = try c.decodeIfPresent(String.self, forKey: .description) ?? ""
    starCount = try c.decodeIfPresent(Int.self, forKey: .starCount) ?? 0
    isOfficial = try c.decodeIfPresent(Bool.self, forKey: .isOfficial) ?? false
    isAutomated = try c.decodeIfPresent(Bool.self, forKey: .isAutomated) ?? false
  }
}
