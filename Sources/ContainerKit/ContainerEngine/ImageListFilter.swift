import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Docker's `images` filters (`dangling`, `reference` with shell wildcards, `label`, `before`, `since`), parsed
/// once and applied to each image. A `reference` filter also narrows an image's `RepoTags` to those it matches,
/// as docker lists them.
struct ImageListFilter {
  var dangling: Bool?
  var references: [String] = []
  var labels: [String] = []
  var before: Date?
  var since: Date?

  /// Parses `filters` (docker's API shape: a key and its values); `created` looks up a `before`/`since` image's
  /// creation time.
  init(_ filters: [String: [String]], created: (String) async throws -> Date) async throws {
    for (key, values) in filters {
      switch key {
      case "dangling":
        for v in values {
          switch v.lowercased() {
          case "true", "1": dangling = true
          case "false", "0": dangling = false
          default: throw EngineError.invalidArgument("invalid filter 'dangling=\(v)'")
          }
        }
      case "reference": references += values
      case "label": labels += values
      case "before": for v in values { before = try await created(v) }
      case "since": for v in values { since = try await created(v) }
      default: throw EngineError.invalidArgument("invalid filter '\(key)'")
      }
    }
  }

  /// `image` as the filters let it through (its tags narrowed by `reference`), or nil when they leave it out.
  func apply(_ image: ImageInfo) -> ImageInfo? {
    var image = image
    if let dangling, dangling != image.repoTags.isEmpty { return nil }
    if !references.isEmpty {
      image.repoTags = image.repoTags.filter { tag in references.contains { Self.matches($0, tag) } }
      if image.repoTags.isEmpty { return nil }
    }
    for l in labels {
      let parts = l.split(separator: "=", maxSplits: 1).map(String.init)
      guard let value = image.config.labels[parts[0]] else { return nil }
      if parts.count == 2, value != parts[1] { return nil }
    }
    if let before, image.created >= before { return nil }
    if let since, image.created <= since { return nil }
    return image
  }

  /// Whether `pattern` (shell wildcards) matches the name `tag` (`repo:tag`), or its repository when the pattern
  /// names no tag, as docker's `reference` filter does.
  static func matches(_ pattern: String, _ tag: String) -> Bool {
    let slash = pattern.lastIndex(of: "/") ?? pattern.startIndex
    let hasTag = pattern[slash...].contains(":")
    let colon = tag.lastIndex(of: ":").flatMap { $0 > (tag.lastIndex(of: "/") ?? tag.startIndex) ? $0 : nil }
    let subject = hasTag ? tag : colon.map { String(tag[..<$0]) } ?? tag
    return fnmatch(pattern, subject, 0) == 0
  }
}
