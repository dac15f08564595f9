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
    let record = try global.containers.find(ref)
    let engine = LibraryEngine(root: global.state)
    let rootfs = try await engine.snapshot(record).rootfs
    let limits = try engine.configuration.resolvedUnpackLimits()
    if source.hasPrefix(ref + ":") {
      let inside = String(source.dropFirst(ref.count + 1))
      if destination == "-" {
        try await ContainerCopy.archive(
          rootfs: rootfs, path: inside, container: ref, followLink: followLink, keepOwners: archive, to: 1)
      } else {
        try await ContainerCopy.copyOut(
          rootfs: rootfs, path: inside, container: ref, to: destination, followLink: followLink, keepOwners: archive,
          limits: limits)
      }
    } else {
      let inside = String(destination.dropFirst(ref.count + 1))
      if source == "-" {
        try await ContainerCopy.copyIn(rootfs: rootfs, tar: 0, container: ref, to: inside, limits: limits)
      } else {
        try await ContainerCopy.copyIn(
          rootfs: rootfs, source: source, container: ref, to: inside, followLink: followLink, keepOwners: archive,
          limits: limits)
      }
    }
  }
}
