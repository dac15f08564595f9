import Foundation

/// Docker Hub's search API (`GET /v1/search?q=TERM&n=LIMIT`) on loopback, answering in the Hub's documented shape
/// (`num_results`, `query`, `results[]` with `name`, `description`, `star_count`, `is_official`,
/// `is_automated`), since the real Hub is out of reach from test machines.
public final class HubSearchFixture: Sendable {
  public struct Entry: Sendable {
    public var name: String
    public var description: String
    public var stars: Int
    public var official: Bool
    public var automated: Bool

    public init(name: String, description: String, stars: Int, official: Bool, automated: Bool = false) {
      self.name = name
      self.description = description
      self.stars = stars
      self.official = official
      self.automated = automated
    }
  }

  public let server: RegistryFixtureServer

  /// The endpoint to configure as the Hub search URL.
  public var endpoint: String { "http://\(server.host)/v1/search" }

  public static let defaultEntries = [
    Entry(name: "busybox", description: "Busybox base image.", stars: 3412, official: true),
    Entry(name: "progrium/busybox", description: "", stars: 72, official: false, automated: true),
    Entry(
      name: "radial/busyboxplus", description: "Full-chain, Internet enabled, busybox made from scratch.",
      stars: 55, official: false),
    Entry(name: "alpine", description: "A minimal Docker image based on Alpine Linux.", stars: 11000, official: true),
  ]

  public init(entries: [Entry] = HubSearchFixture.defaultEntries) throws {
    server = try RegistryFixtureServer { request, _ in
      guard request.method == "GET", request.path == "/v1/search" else {
        return .response(status: 404, headers: [:], body: [])
      }
      let q = request.query.first { $0.0 == "q" }?.1 ?? ""
      let n = Int(request.query.first { $0.0 == "n" }?.1 ?? "") ?? 25
      guard !q.isEmpty else {
        return .response(status: 400, headers: [:], body: Array(#"{"message":"query is required"}"#.utf8))
      }
      let hits = entries.filter { $0.name.contains(q) || $0.description.lowercased().contains(q.lowercased()) }
        .sorted { $0.stars > $1.stars }.prefix(n)
      let results: [[String: Any]] = hits.map {
        [
          "name": $0.name, "description": $0.description, "star_count": $0.stars, "is_official": $0.official,
          "is_automated": $0.automated,
        ]
      }
      let json: [String: Any] = [
        "num_pages": 1, "num_results": hits.count, "page_size": n, "page": 1, "query": q, "results": results,
      ]
      let body = (try? JSONSerialization.data(withJSONObject: json)) ?? Data()
      return .response(status: 200, headers: ["Content-Type": "application/json"], body: Array(body))
    }
  }

  public func stop() { server.stop() }
}
