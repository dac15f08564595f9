import ArgumentParser
import ContainerEngine
import Foundation

struct Pull: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "pull", abstract: "Download an image from a registry")
  @OptionGroup var global: GlobalOptions
  @Flag(name: .shortAndLong, help: "Suppress verbose output") var quiet = false
  @Flag(name: .shortAndLong, help: "Download all tagged images in the repository") var allTags = false
  @Option(help: "Set platform if server is multi-platform capable") var platform: String?
  @Argument(help: "NAME[:TAG|@DIGEST]") var reference: String

  func run() async throws {
    let engine = try global.engine()
    if allTags {
      for tagged in try await engine.repositoryTags(reference) {
        if quiet {
          try await engine.pull(tagged, platform: platform)
          print(tagged)
        } else {
          try await Self.pullShowingProgress(tagged, platform: platform, engine: engine)
        }
      }
      return
    }
    if quiet {
      try await engine.pull(reference, platform: platform)
      print(Self.normalized(reference))
      return
    }
    try await Self.pullShowingProgress(reference, platform: platform, engine: engine)
  }

  /// docker's pull output: the header, a line per layer (bars on a terminal), the digest and the status, then the
  /// reference as the CLI prints it.
  static func pullShowingProgress(_ reference: String, platform: String? = nil, engine: ContainerEngine) async throws {
    try await ProgressPrinter.show(engine.pulling(reference, platform: platform))
    ProgressPrinter.write(normalized(reference) + "\n")
  }

  /// How docker spells a short reference in its last line: `busybox` is `busybox:latest`.
  static func normalized(_ ref: String) -> String {
    if ref.contains("@") { return ref }
    let lastSlash = ref.lastIndex(of: "/") ?? ref.startIndex
    return ref[lastSlash...].contains(":") ? ref : ref + ":latest"
  }
}
