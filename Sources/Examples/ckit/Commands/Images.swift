import ArgumentParser
import ContainerEngine
import Foundation

struct Images: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "images", abstract: "List images")
  @OptionGroup var global: GlobalOptions
  @Flag(name: .shortAndLong, help: "Show all images (default hides intermediate images)") var all = false
  @Flag(name: .shortAndLong, help: "Only show image IDs") var quiet = false
  @Flag(help: "Show digests") var digests = false
  @Flag(name: .customLong("no-trunc"), help: "Don't truncate output") var noTrunc = false
  @Option(name: .shortAndLong, help: "Filter output based on conditions provided") var filter: [String] = []
  @OptionGroup var format: FormatOption
  @Argument(help: "[REPOSITORY[:TAG]]") var repository: String?

  static let titles = [
    "Repository": "REPOSITORY", "Tag": "TAG", "ID": "IMAGE ID", "CreatedSince": "CREATED", "Size": "SIZE",
    "Digest": "DIGEST", "CreatedAt": "CREATED AT",
  ]

  func run() async throws {
    let images = try await global.engine().images(filters: try Self.filters(filter))
    let rows = ImageRows.rows(images, repository: repository, noTrunc: noTrunc)
    if quiet {
      var seen = Set<String>()
      for r in rows where seen.insert(r["ID"]?.description ?? "").inserted { print(r["ID"]?.description ?? "") }
      return
    }
    if let t = try format.template() {
      print(try t.render(rows, titles: Self.titles), terminator: "")
      return
    }
    let columns =
      digests
      ? ["Repository", "Tag", "Digest", "ID", "CreatedSince", "Size"]
      : ["Repository", "Tag", "ID", "CreatedSince", "Size"]
    var table = Table(columns.map { Self.titles[$0] ?? $0 })
    for r in rows { table.append(columns.map { r[$0]?.description ?? "" }) }
    print(table.render(), terminator: "")
  }
}

extension Images {
  /// `--filter name=value` options in the engine's (docker's API) shape: each name with its values.
  static func filters(_ options: [String]) throws -> [String: [String]] {
    var filters = [String: [String]]()
    for o in options {
      guard let eq = o.firstIndex(of: "=") else {
        throw CkitError.invalidArgument("bad format of filter (expected name=value)")
      }
      filters[String(o[..<eq]), default: []].append(String(o[o.index(after: eq)...]))
    }
    return filters
  }
}

/// `images` rows: one per tag (untagged images as `<none>`), newest first, docker's field names.
enum ImageRows {
  static func rows(_ images: [ImageInfo], repository: String?, noTrunc: Bool, now: Date = Date()) -> [TemplateValue] {
    var out = [(Date, TemplateValue)]()
    for i in images {
      let tags = i.repoTags.isEmpty ? ["<none>:<none>"] : i.repoTags
      for t in tags {
        let colon = t.lastIndex(of: ":") ?? t.endIndex
        let repo = String(t[..<colon])
        let tag = colon < t.endIndex ? String(t[t.index(after: colon)...]) : "<none>"
        if let repository {
          let (wantRepo, wantTag) = splitRef(repository)
          if repo != wantRepo || (wantTag != nil && wantTag != tag) { continue }
        }
        let digest =
          i.repoDigests.first { $0.hasPrefix(repo + "@") }.map { String($0.split(separator: "@").last ?? "") }
          ?? "<none>"
        let hex = i.id.hasPrefix("sha256:") ? String(i.id.dropFirst(7)) : i.id
        out.append(
          (
            i.created,
            .object([
              ("Containers", .string("N/A")), ("CreatedAt", .string(Ps.createdAt(i.created))),
              ("CreatedSince", .string(HumanDuration.ago(i.created, now: now))), ("Digest", .string(digest)),
              ("ID", .string(noTrunc ? i.id : String(hex.prefix(12)))), ("Repository", .string(repo)),
              ("Size", .string(HumanFormat.size(i.size))), ("Tag", .string(tag)),
            ])
          ))
      }
    }
    return out.sorted { $0.0 > $1.0 }.map(\.1)
  }

  static func splitRef(_ s: String) -> (String, String?) {
    let slash = s.lastIndex(of: "/") ?? s.startIndex
    if let colon = s[slash...].lastIndex(of: ":") { return (String(s[..<colon]), String(s[s.index(after: colon)...])) }
    return (s, nil)
  }
}
