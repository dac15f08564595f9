import ArgumentParser
import ContainerEngine
import ContainerKit
import Foundation
import LayerFS

/// `docker cp`, with no `cp` or `tar` process: the source is archived with libarchive (`RootedArchiver`) and
/// unpacked by LayerFS, each side resolving paths inside its own tree, so neither a link in the container nor one
/// planted at the destination sends the copy to the host's files.
struct Cp: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
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
    let rootfs = try await LibraryEngine(root: global.state).snapshot(record).rootfs
    // A reader that goes away (`| head`) ends the copy with an error, not a silent SIGPIPE death.
    signal(SIGPIPE, SIG_IGN)
    do {
      if source.hasPrefix(ref + ":") {
        try await copyOut(String(source.dropFirst(ref.count + 1)), rootfs: rootfs, container: ref)
      } else {
        try await copyIn(String(destination.dropFirst(ref.count + 1)), rootfs: rootfs, container: ref)
      }
    } catch RootedArchiver.Failure.notFound(let path) {
      throw CkitError.invalidArgument("Could not find the file \(path) in container \(ref)")
    } catch let e as RootedArchiver.Failure {
      throw CkitError.backend(e.description)
    } catch let e as LayerFSError {
      throw CkitError.backend("copying \(source) to \(destination): \(e)")
    }
  }

  func copyOut(_ inside: String, rootfs: String, container: String) async throws {
    let archiver = RootedArchiver(
      root: rootfs, followLast: followLink, owner: archive ? nil : (UInt32(getuid()), UInt32(getgid())))
    let contents = inside.hasSuffix("/.")
    if destination == "-" {
      let name = contents ? "." : ContainerCopy.baseName(inside)
      try await BlockingCall.run {
        Result { () throws(RootedArchiver.Failure) in try archiver.write(inside, as: name, to: 1) }
      }.get()
      return
    }
    let (directory, name) = ContainerCopy.target(source: inside, destination: destination)
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
      throw CkitError.invalidArgument("invalid output path: directory \"\(directory)\" does not exist")
    }
    try await ContainerCopy.copy(inside, as: name, with: archiver, into: directory, preserveOwnership: true)
  }

  func copyIn(_ inside: String, rootfs: String, container: String) async throws {
    // Ownership in the container is root's unless -a keeps the files' own, as docker does.
    let archiver = RootedArchiver(root: "/", followLast: followLink, owner: archive ? nil : (0, 0))
    if source == "-" {
      guard let fd = ContainerCopy.openDirectory(inside, in: rootfs) else {
        throw CkitError.invalidArgument("Could not find the file \(inside) in container \(container)")
      }
      defer { close(fd) }
      let into = ContainerCopy.directoryPath(fd)
      try await BlockingCall.run {
        Result { () throws(LayerFSError) in
          _ = try LayerUnpacker.unpackSync(
            fd: 0, displayName: "stdin", into: into, options: UnpackOptions(whiteouts: .keep))
        }
      }.get()
      return
    }
    let host = URL(fileURLWithPath: source).path + (source.hasSuffix("/.") ? "/." : "")
    var st = stat()
    guard lstat(host, &st) == 0 else { throw CkitError.invalidArgument("lstat \(source): no such file or directory") }
    let fd: Int32
    let name: String
    if let dir = ContainerCopy.openDirectory(inside, in: rootfs) {
      (fd, name) = (dir, source.hasSuffix("/.") ? "." : ContainerCopy.baseName(host))
    } else {
      let parent = ContainerCopy.parent(inside)
      guard let dir = ContainerCopy.openDirectory(parent, in: rootfs) else {
        throw CkitError.invalidArgument("Could not find the file \(parent) in container \(container)")
      }
      (fd, name) = (dir, ContainerCopy.baseName(inside))
    }
    defer { close(fd) }
    try await ContainerCopy.copy(
      host, as: name, with: archiver, into: ContainerCopy.directoryPath(fd), preserveOwnership: true)
  }
}
