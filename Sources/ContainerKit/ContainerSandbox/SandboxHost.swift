import ContainerKit
import Foundation
import ImageStore
import Namespaces
import OCI
import RegistryClient
import Synchronization

/// What the sandboxes of one state root share in this process: the image store, the runtime, and the images
/// already resolved (a sandbox's start then reads no image record, manifest or config).
///
/// Made once per root and process; the first one sweeps what dead owners left under the root.
final class SandboxHost: Sendable {
  let root: String
  let store: ImageStore
  let runtime: ContainerRuntime
  private let images = Mutex<[String: ResolvedImage]>([:])

  /// An image's manifest and its layers as overlay lower directories, top-most first.
  struct ResolvedImage: Sendable {
    var image: Image
    var lowers: [String]
  }

  private static let hosts = Mutex<[String: Task<SandboxHost, any Error>]>([:])

  var ownersDirectory: String { root + "/owners" }
  var templatesDirectory: String { root + "/templates" }

  private init(root: String, store: ImageStore, runtime: ContainerRuntime) {
    self.root = root
    self.store = store
    self.runtime = runtime
  }

  /// The host of `root`, opened (and swept, unless the caller is about to) by the first caller.
  static func open(root: String, sweeping: Bool = true) async throws(SandboxError) -> SandboxHost {
    let task = hosts.withLock { hosts in
      if let t = hosts[root] { return t }
      let t = Task<SandboxHost, any Error> {
        for dir in [root, root + "/owners", root + "/templates", root + "/run"] {
          if mkdir(dir, 0o700) != 0 && errno != EEXIST {
            throw SandboxError.system(call: "mkdir", object: dir, errno: errno)
          }
        }
        let store: ImageStore
        do { store = try await ImageStore(root: URL(fileURLWithPath: root + "/images")) } catch {
          throw SandboxError.image(reference: root + "/images", cause: error)
        }
        var runtime = ContainerRuntime.detectingCgroups(root: root + "/run", cgroupParent: "container-sandbox")
        runtime.mountNamespaceTemplate = Self.mountNamespaceTemplate(root: root)
        let host = SandboxHost(root: root, store: store, runtime: runtime)
        if sweeping { _ = await host.sweep() }
        return host
      }
      hosts[root] = t
      return t
    }
    do { return try await task.value } catch {
      hosts.withLock { _ = $0.removeValue(forKey: root) }
      if let e = error as? SandboxError { throw e }
      throw .image(reference: root, cause: error)
    }
  }

  /// A mount namespace template (see `MountNamespaceTemplate`) held by its descriptor alone: a sandbox's start
  /// then copies one empty tmpfs instead of the host's whole mount table, which grows with every sandbox's
  /// overlay (and every other container on the host). The pin the runtime needs to make it is removed at once, so
  /// the root holds no mount of it that a dead process could leave behind. nil (the classic copy) when the kernel
  /// cannot make one.
  static func mountNamespaceTemplate(root: String) -> MountNamespaceTemplate? {
    let pin = root + "/run/mntns-\(getpid())"
    defer { MountNamespaceTemplate.unpin(at: pin) }
    return try? MountNamespaceTemplate.pinned(at: pin)
  }

  /// The image named `reference` in the store, pulled first when it is not there.
  func resolve(_ reference: String) async throws(SandboxError) -> ResolvedImage {
    if let hit = images.withLock({ $0[reference] }) { return hit }
    var found: Image?
    do { found = try await store.image(named: reference) } catch {
      guard case .imageNotFound = error else { throw .image(reference: reference, cause: error) }
    }
    let image: Image
    if let found {
      image = found
    } else {
      do {
        let parsed = try ImageReference(parsing: reference)
        let store = self.store
        image = try await RegistryClient.withClient { client in try await store.pull(parsed, using: client) }
      } catch { throw .image(reference: reference, cause: error) }
    }
    let lowers: [String]
    do { lowers = try await store.layerDirectories(for: image) } catch {
      throw .image(reference: reference, cause: error)
    }
    let resolved = ResolvedImage(image: image, lowers: lowers)
    images.withLock { $0[reference] = resolved }
    return resolved
  }
}
