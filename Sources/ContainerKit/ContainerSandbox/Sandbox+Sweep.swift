import ContainerKit
import ImageStore
import LinuxSystem

#if canImport(Glibc)
  import Glibc
#endif

extension Sandbox {
  /// Removes what the sandboxes and templates of dead owners left under `root`: their processes (pid 1 dies
  /// with its owner, and takes the sandbox's processes with it; anything left in the cgroup is killed), overlay
  /// mounts, cgroups, runtime state, writable layers and records. Sandboxes of live processes, this one's
  /// included, are not touched. The first sandbox a process opens on a root sweeps it too.
  ///
  /// Returns the ids removed.
  @discardableResult
  public static func sweep(root: String = SandboxConfiguration.defaultRoot) async throws(SandboxError) -> [String] {
    let host = try await SandboxHost.open(root: root, sweeping: false)
    return await host.sweep()
  }
}

extension SandboxHost {
  /// See ``Sandbox/sweep(root:)``.
  func sweep() async -> [String] {
    var removed: [String] = []
    for id in Self.list(ownersDirectory) {
      guard let owner = OwnerRecord.read(id: id, in: ownersDirectory) ?? OwnerRecord(parsingID: id),
        !owner.isOwnerAlive
      else { continue }
      if await remove(owner) { removed.append(id) }
    }
    return removed
  }

  /// Removes one dead owner's sandbox or template; false when something stays (the record then stays too).
  func remove(_ owner: OwnerRecord) async -> Bool {
    let id = owner.id
    switch owner.kind {
    case .sandbox:
      // Its pid 1 (`ID`; `ID.N` too: before resets kept pid 1, each made a new one, and a root may still hold them).
      let generations = Self.list(runtime.root.path).filter { $0 == id || $0.hasPrefix(id + ".") }
      for cid in generations.isEmpty ? [id] : generations {
        if let container = try? runtime.container(id: cid) {
          try? container.kill(SIGKILL, all: true)
          try? container.kill(SIGKILL)
          do { try await container.delete(force: true) } catch { return false }
        } else if let cgroups = runtime.cgroups {
          // Killed between the cgroup's creation and the state file: the runtime's default path.
          try? cgroups.delete("container-sandbox/\(cid)")
          Sandbox.removeTree(runtime.root.path + "/" + cid)
        }
      }
      do { try await store.removeSnapshot(id: id) } catch {
        guard case .snapshotNotFound = error else { return false }
      }
    case .template:
      let dir = templatesDirectory + "/" + id
      await BlockingCall.run { Sandbox.removeTree(dir) }
    }
    OwnerRecord.remove(id, in: ownersDirectory)
    return true
  }

  static func list(_ directory: String) -> [String] {
    guard let stream = opendir(directory) else { return [] }
    defer { closedir(stream) }
    var names: [String] = []
    while let entry = readdir(stream) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) {
        String(cString: $0.bindMemory(to: CChar.self).baseAddress!)
      }
      if !name.hasPrefix(".") { names.append(name) }
    }
    return names
  }
}

extension OwnerRecord {
  /// The owner written in the id itself (`s<pid>-<start>-<n>`), for a record that was created but never
  /// written (its owner was killed in between).
  init?(parsingID id: String) {
    guard let first = id.first, let kind: Kind = first == "s" ? .sandbox : first == "t" ? .template : nil else {
      return nil
    }
    let parts = id.dropFirst().split(separator: "-")
    guard parts.count == 3, let pid = Int32(parts[0]), let start = UInt64(parts[1]) else { return nil }
    self.init(id: id, kind: kind, pid: pid, startTime: start)
  }
}
