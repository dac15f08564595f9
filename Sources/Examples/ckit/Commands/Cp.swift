import ArgumentParser
import ContainerEngine
import Foundation

/// `docker cp`, with no `cp` or `tar` process: the engine's `ContainerCopy` archives the source with libarchive and
/// unpacks it with LayerFS, each side resolving paths inside its own tree, so neither a link in the container nor
/// one planted at the destination sends the copy to the host's files.
struct Cp: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cp",
    abstract: "Copy files/folders between a container and the local filesystem",
    usage: "ckit cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n       ckit cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH")
  @OptionGroup var global: GlobalOptions
  @Flag(name: .shortAndLong, help: "Archive mode (copy all uid/gid information)") var archive = false
  @Flag(name: [.customShort("L"), .customLong("follow-link")], help: "Always follow symbol link in SRC_PATH")
  var followLink = false
  @Argument var source: String
  @Argument var destination: String

  func run() async throws {
    let refs = [source, destination].filter { $0.contains(":") && !$0.hasPrefix("/") && !$0.hasPrefix(".") }
    guard refs.count == 1, let ref = refs.first?.split(separator: ":").first.map(String.init) else {
      throw CkitError.invalidArgument("must specify at least one container source")
    }
    let engine = try global.engine()
    if source.hasPrefix(ref + ":") {
      let inside = String(source.dropFirst(ref.count + 1))
      if destination == "-" {
        try await engine.archive(ref, path: inside, to: 1, followLink: followLink, keepOwners: archive)
      } else {
        try await engine.copy(
          from: ref, path: inside, toHost: destination, followLink: followLink, keepOwners: archive)
      }
    } else {
      let inside = String(destination.dropFirst(ref.count + 1))
      if source == "-" {
        try await engine.extractArchive(ref, path: inside, from: 0)
      } else {
        try await engine.copy(fromHost: source, to: ref, path: inside, followLink: followLink, keepOwners: archive)
      }
    }
  }
}
