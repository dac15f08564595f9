import CLayerFS
import Cgroups
import ContainerKit
import Foundation
import ImageStore
import Namespaces
import OCI
import RegistryClient
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// What the sandboxes of one state root share in this process: the image store, the runtime, and the images
/// already resolved (a sandbox's start then reads no image record, manifest or config).
///
/// Made once per root and process; the first one sweeps what dead owners left under the root.
final class SandboxHost: Sendable {
  let root: String
  let store: ImageStore
  let runtime: ContainerRuntime
  private let images = Mutex<[String: ResolvedImage]>([:])
  /// Network namespaces of closed sandboxes, for the next ones to join (``SandboxConfiguration/reusesNetworkNamespace``).
  let networkNamespaces = NetworkNamespacePool()
  /// The runtimes of ``runtime(for:)``, by the v1 controllers their driver uses.
  private let runtimes = Mutex<[[String]: ContainerRuntime]>([:])

  /// An image's manifest and its layers as overlay lower directories, top-most first.
  struct ResolvedImage: Sendable {
    var image: Image
    var lowers: [String]
  }

  private static let hosts = Mutex<[String: Task<SandboxHost, any Error>]>([:])

  /// The volatile state lives on the snapshots' tmpfs (see `mountScratch`): owner records, the runtime's state,
  /// templates. It goes with a reboot together with what it describes (mounts, cgroups, processes, layers).
  static func volatile(_ root: String) -> String { root + "/images/snapshots" }
  var ownersDirectory: String { Self.volatile(root) + "/.owners" }
  /// On the snapshots' tmpfs: a template's layer is a sandbox's upper directory, renamed.
  var templatesDirectory: String { Self.volatile(root) + "/.templates" }

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
        for dir in [root, root + "/images"] {
          if mkdir(dir, 0o700) != 0 && errno != EEXIST {
            throw SandboxError.system(call: "mkdir", object: dir, errno: errno)
          }
        }
        try Self.mountScratch(root: root)
        for name in [".owners", ".templates", ".run"] {
          let dir = Self.volatile(root) + "/" + name
          if mkdir(dir, 0o700) != 0 && errno != EEXIST {
            throw SandboxError.system(call: "mkdir", object: dir, errno: errno)
          }
        }
        let store: ImageStore
        do { store = try await ImageStore(root: URL(fileURLWithPath: root + "/images")) } catch {
          throw SandboxError.image(reference: root + "/images", cause: error)
        }
        var runtime = ContainerRuntime.detectingCgroups(
          root: Self.volatile(root) + "/.run", cgroupParent: "container-sandbox")
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

  /// The runtime that starts a sandbox of `configuration`. The host's runtime makes a container's cgroup in
  /// every v1 hierarchy and in the hybrid unified tree (nine directories here, each made, joined and removed:
  /// a tenth of a sandbox's life). A sandbox's cgroup is made only where it is used: `devices` always (its rules
  /// keep a root process's `mknod` away from the host's disks, and it lists the sandbox's processes for reset and
  /// close), `memory`, `pids` and `cpu` when their limit is set (the memory one also counts OOM kills for `run`).
  /// ``runtime`` (the full driver) still deletes what a dead owner left: it skips hierarchies without the cgroup.
  /// On cgroup v2 (one directory whatever the controllers) or without a `devices` hierarchy, the host's runtime.
  func runtime(for configuration: SandboxConfiguration) -> ContainerRuntime {
    guard let driver = runtime.cgroups as? CgroupV1Driver, driver.mounts.v1["devices"] != nil else { return runtime }
    var controllers = ["devices"]
    if configuration.memoryLimit != nil { controllers.append("memory") }
    if configuration.pidsLimit != nil { controllers.append("pids") }
    if configuration.cpuLimit != nil { controllers.append("cpu") }
    return runtimes.withLock { runtimes in
      if let known = runtimes[controllers] { return known }
      let mounts = CgroupMounts(v1: driver.mounts.v1.filter { controllers.contains($0.key) })
      var made = ContainerRuntime(
        root: Self.volatile(root) + "/.run", cgroupParent: runtime.cgroupParent,
        cgroups: CgroupV1Driver(mounts: mounts, useUnified: false, timeoutMilliseconds: driver.timeoutMilliseconds))
      made.mountNamespaceTemplate = runtime.mountNamespaceTemplate
      runtimes[controllers] = made
      return made
    }
  }

  /// Mounts a tmpfs on the store's `snapshots` directory (once per root; the mount stays for the next process):
  /// the sandboxes' writable layers are scratch, and on the disk's file system every one of their metadata
  /// operations (the overlay's mount and unmount, the upper directory's creation and removal, a test's thousand
  /// files) could wait for a journal commit, tens of milliseconds on a busy disk; the runtime's state and the
  /// owner records churn as much (ext4's search for a recently deleted inode was a tenth of a sandbox's CPU). tmpfs pages are charged to the
  /// memory cgroup of the sandbox process that writes them, so the memory limit covers its files too.
  static func mountScratch(root: String) throws(SandboxError) {
    let path = root + "/images/snapshots"
    if mkdir(path, 0o700) != 0 && errno != EEXIST { throw .system(call: "mkdir", object: path, errno: errno) }
    let lock = Glibc.open(root + "/.scratch.lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
    guard lock >= 0 else { throw .system(call: "open", object: root + "/.scratch.lock", errno: errno) }
    defer { close(lock) }
    flock(lock, LOCK_EX)
    guard ck_is_mount_point(path) != 1 else { return }
    guard mount("tmpfs", path, "tmpfs", UInt(MS_NOSUID | MS_NODEV), "mode=0700") == 0 else {
      throw .system(call: "mount tmpfs", object: path, errno: errno)
    }
  }

  /// A mount namespace template (see `MountNamespaceTemplate`) held by its descriptor alone: a sandbox's start
  /// then copies one empty tmpfs instead of the host's whole mount table, which grows with every sandbox's
  /// overlay (and every other container on the host). The pin the runtime needs to make it is removed at once, so
  /// the root holds no mount of it that a dead process could leave behind. nil (the classic copy) when the kernel
  /// cannot make one.
  static func mountNamespaceTemplate(root: String) -> MountNamespaceTemplate? {
    let pin = volatile(root) + "/.run/mntns-\(getpid())"
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
