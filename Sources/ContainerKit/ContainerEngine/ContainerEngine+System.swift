import ContainerKit
import Foundation
import ImageStore
import LinuxSystem

extension ContainerEngine {
  /// The engine's version.
  public static let engineVersion = "0.1.0"
  /// The Docker Engine API version whose names, fields and behaviour the engine follows.
  public static let apiVersion = "1.47"

  /// Docker's `info`: counts of containers by state and of images, the storage and logging drivers, the cgroup
  /// version, the kernel, the host's OS, CPUs, memory and name, and the state root.
  public func info() async throws(EngineError) -> SystemInfo {
    try await attempt("info") {
      let statuses = try store.all().map { store.status($0) }
      let images = try await engine.images()
      let host = ProcessInfo.processInfo
      return SystemInfo(
        containers: statuses.count, containersRunning: statuses.filter { $0.phase == .running }.count,
        containersPaused: statuses.filter { $0.phase == .paused }.count,
        containersStopped: statuses.filter { !$0.isRunning }.count, images: images.count, driver: "overlay2",
        loggingDriver: "json-file",
        cgroupVersion: FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cgroup.controllers") ? "2" : "1",
        kernelVersion: Self.uname().release, operatingSystem: Self.operatingSystem(), osType: "linux",
        architecture: Self.uname().machine, ncpu: host.activeProcessorCount, memTotal: Int64(host.physicalMemory),
        rootDirectory: root.path, name: host.hostName, serverVersion: Self.engineVersion)
    }
  }

  /// Docker's `version`: the engine's version and API version, and the platform it runs on. Static: it needs no
  /// state root (`ckit version` makes none).
  public static func version() -> VersionInfo {
    let machine = uname().machine
    let arch = ["x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "i686": "386"][machine] ?? machine
    return VersionInfo(
      version: engineVersion, apiVersion: apiVersion, os: "linux", arch: arch, kernelVersion: uname().release)
  }

  /// Docker's `system df`: images, containers, volumes and the build cache, with what is in use and what a prune
  /// could give back.
  public func diskUsage() async throws(EngineError) -> DiskUsageReport {
    try await attempt("disk usage") {
      let records = try store.all()
      let running = Set(records.filter { store.status($0).isRunning }.map(\.id))
      let images = try await engine.images()
      let used = Set(records.map(\.imageID))
      let volumes = volumeStore.all()
      let mounted = Set(records.flatMap(VolumeStore.names(of:)))
      let (containerSizes, volumeSizes, cache) = await BlockingCall.run { [root, engine] in
        (
          records.map { (id: $0.id, size: DiskUsage.of(root.containerDir($0.id))) },
          volumes.map { (name: $0.name, size: DiskUsage.of($0.mountpoint)) },
          engine.buildCacheEntries().map(DiskUsage.of)
        )
      }
      return DiskUsageReport(
        images: .init(
          total: images.count, active: images.filter { used.contains($0.id) }.count,
          size: images.reduce(0) { $0 + $1.size },
          reclaimable: images.filter { !used.contains($0.id) }.reduce(0) { $0 + $1.size }),
        containers: .init(
          total: records.count, active: running.count, size: containerSizes.reduce(0) { $0 + $1.size },
          reclaimable: containerSizes.filter { !running.contains($0.id) }.reduce(0) { $0 + $1.size }),
        volumes: .init(
          total: volumes.count, active: volumes.filter { mounted.contains($0.name) }.count,
          size: volumeSizes.reduce(0) { $0 + $1.size },
          reclaimable: volumeSizes.filter { !mounted.contains($0.name) }.reduce(0) { $0 + $1.size }),
        buildCache: .init(total: cache.count, active: 0, size: cache.reduce(0, +), reclaimable: cache.reduce(0, +)))
    }
  }

  /// Docker's `system prune`: removes every container not running, then the images no container uses (untagged
  /// ones only, unless `allImages`), the build cache, and with `volumes` the volumes no container mounts; the
  /// store then frees the blobs and layers nothing reaches any more (those written in the last minute are kept:
  /// they may belong to a pull or a build of another process). With no container left running, the bridge goes too.
  public func prune(allImages: Bool = false, volumes: Bool = false) async throws(EngineError) -> SystemPruneReport {
    try await attempt("prune") {
      var report = SystemPruneReport()
      await lifecycle.sweep()
      for r in try store.all() where !store.status(r).isRunning {
        let size = DiskUsage.of(root.containerDir(r.id))
        do { try await lifecycle.remove(r, force: false) } catch EngineError.containerRunning { continue }
        report.containers.deleted.append(r.id)
        report.containers.spaceReclaimed += size
      }
      let remaining = try store.all()
      let used = Set(remaining.map(\.imageID))
      for image in try await engine.images() where !used.contains(image.id) && (allImages || image.repoTags.isEmpty) {
        // Docker's prune words them in lower case.
        report.images.deleted += try await engine.removeImage(image.id, force: false).map {
          switch $0 {
          case .untagged(let name): "untagged: \(name)"
          case .deleted(let id): "deleted: \(id)"
          }
        }
      }
      for path in engine.buildCacheEntries() {
        report.buildCache.spaceReclaimed += DiskUsage.of(path)
        if (try? FileManager.default.removeItem(atPath: path)) != nil {
          report.buildCache.deleted.append(URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent)
        }
      }
      let gc = try await engine.store().gc(gracePeriod: 60)
      report.images.spaceReclaimed = gc.reclaimedBytes
      if volumes { report.volumes = try await pruneVolumes() }
      // With no container on the bridge, its NAT table and the bridge itself go too.
      if remaining.allSatisfy({ !store.status($0).isRunning }) { try? await lifecycle.bridgeNetwork().teardown() }
      return report
    }
  }

  /// The kernel's release and the machine, from `uname(2)`.
  static func uname() -> (release: String, machine: String) {
    var uts = utsname()
    _ = Glibc.uname(&uts)
    func text<T>(_ field: inout T) -> String {
      withUnsafeBytes(of: &field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
    return (text(&uts.release), text(&uts.machine))
  }

  /// The host's distribution: `/etc/os-release`'s `PRETTY_NAME`, else `Linux`.
  static func operatingSystem() -> String {
    guard let text = try? String(contentsOfFile: "/etc/os-release", encoding: .utf8) else { return "Linux" }
    for line in text.split(separator: "\n") where line.hasPrefix("PRETTY_NAME=") {
      return line.dropFirst("PRETTY_NAME=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    }
    return "Linux"
  }
}
