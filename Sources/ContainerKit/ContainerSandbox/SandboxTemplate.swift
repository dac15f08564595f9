import ContainerKit
import LinuxSystem

#if canImport(Glibc)
  import Glibc
#endif

/// A sandbox's file system frozen as a read-only layer, to start sandboxes on: initialize a database once
/// (init, schema, fixtures), then give every test a fresh copy of that state with
/// ``Sandbox/withSandbox(template:configuration:isolation:_:)``.
///
/// Nothing is copied: the sandbox's overlay upper directory becomes one more lower layer, under each child's own
/// empty upper directory. Children see the template's files; their writes reach neither the template nor each
/// other. Owned like a sandbox (a record under the root, swept when its process dies); ``remove()`` it when
/// done, after its sandboxes are closed.
public final class SandboxTemplate: Sendable {
  public let id: String
  /// The configuration of the sandbox it was made from: its children's default.
  public let configuration: SandboxConfiguration
  let host: SandboxHost
  let image: SandboxHost.ResolvedImage
  let reference: String
  /// Lower directories of its children, top-most first: this template's layer, then its parents'.
  let lowers: [String]

  init(
    id: String, configuration: SandboxConfiguration, host: SandboxHost, image: SandboxHost.ResolvedImage,
    reference: String, lowers: [String]
  ) {
    self.id = id
    self.configuration = configuration
    self.host = host
    self.image = image
    self.reference = reference
    self.lowers = lowers
  }

  /// Deletes the template's layer and record. Sandboxes still running on it keep their mounts (the kernel holds
  /// the directory) but it must not be used to start new ones.
  public func remove() async {
    let dir = host.templatesDirectory + "/" + id
    await BlockingCall.run { Sandbox.removeTree(dir) }
    OwnerRecord.remove(id, in: host.ownersDirectory)
  }
}
