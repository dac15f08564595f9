import ArgumentParser
import Builder
import ContainerEngine
import Foundation
import OCI
import RegistryClient

struct Pull: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "pull", abstract: "Download an image from a registry")
  @OptionGroup var global: GlobalOptions
  @Flag(name: .shortAndLong, help: "Suppress verbose output") var quiet = false
  @Flag(name: .shortAndLong, help: "Download all tagged images in the repository") var allTags = false
  @Option(help: "Set platform if server is multi-platform capable") var platform: String?
  @Argument(help: "NAME[:TAG|@DIGEST]") var reference: String

  func run() async throws {
    let engine = LibraryEngine(root: global.state)
    if allTags {
      for tagged in try await Self.allTags(of: reference) {
        if quiet {
          _ = try await engine.pull(tagged, platform: platform, progress: nil)
          print(tagged)
        } else {
          try await Self.pullShowingProgress(tagged, platform: platform, engine: engine)
        }
      }
      return
    }
    if quiet {
      _ = try await engine.pull(reference, platform: platform, progress: nil)
      print(ImageReferenceText.normalized(reference))
      return
    }
    try await Self.pullShowingProgress(reference, platform: platform, engine: engine)
  }

  /// `pull -a`: `NAME:TAG` for every tag of repository `reference` (which must name no tag), from the registry.
  static func allTags(of reference: String) async throws -> [String] {
    try ImageReferenceText.validate(reference)
    let ref: ImageReference
    do { ref = try ImageReference(parsing: reference, defaultTag: false) } catch {
      throw CkitError.invalidArgument("invalid reference format: \(error.description)")
    }
    guard ref.tag == nil, ref.digest == nil else {
      throw CkitError.invalidArgument("tag can't be used with --all-tags/-a")
    }
    let tags: [String]
    do { tags = try await RegistryClient.withClient { client in try await client.tags(ref) } } catch {
      throw CkitError.backend(LibraryEngine.pullError(error, reference: reference))
    }
    return tags.sorted().map { "\(reference):\($0)" }
  }

  /// docker's pull output: the header, a line per layer (bars on a terminal), the digest and the status.
  static func pullShowingProgress(_ reference: String, platform: String? = nil, engine: LibraryEngine) async throws {
    try ImageReferenceText.validate(reference)
    if let ref = try? ImageReference(parsing: reference) {
      ProgressPrinter.write("\(ref.tag ?? ImageReference.defaultTag): Pulling from \(ref.path)\n")
    }
    let outcome = try await ProgressPrinter.run(ProgressRenderer(mode: ProgressRenderer.mode(for: 1), operation: .pull))
    {
      try await engine.pull(reference, platform: platform, progress: $0)
    }
    ProgressPrinter.write("Digest: \(outcome.digest)\n")
    ProgressPrinter.write(
      outcome.upToDate
        ? "Status: Image is up to date for \(outcome.name)\n" : "Status: Downloaded newer image for \(outcome.name)\n")
    ProgressPrinter.write(ImageReferenceText.normalized(reference) + "\n")
  }
}
