/// One row of `docker search`: NAME, DESCRIPTION, STARS, OFFICIAL.
public struct SearchResult: Sendable, Hashable, Codable {
  public var name: String
  public var description: String = ""
  public var starCount: Int = 0
  public var isOfficial: Bool = false
  public var isAutomated: Bool = false

  enum CodingKeys: String, CodingKey {
    case name, description
    case starCount = "star_count"
    case isOfficial = "is_official"
    case isAutomated = "is_automated"
  }

}

extension SearchResult {
  /// Decodes a row of the registry's answer; a missing field keeps its default (registries leave some out).
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    name = try c.decode(String.self, forKey: .name)
    description = try c.decodeIfPresent(String.self, forKey: .description) ?? ""
    starCount = try c.decodeIfPresent(Int.self, forKey: .starCount) ?? 0
    isOfficial = try c.decodeIfPresent(Bool.self, forKey: .isOfficial) ?? false
    isAutomated = try c.decodeIfPresent(Bool.self, forKey: .isAutomated) ?? false
  }
}
