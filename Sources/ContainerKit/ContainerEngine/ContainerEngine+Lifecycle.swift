import Cgroups
import ContainerKit
import ContainerNetwork
import Foundation
import LinuxSystem
import OCI

/// The rest of docker's container lifecycle: restart, pause and unpause (the cgroup freezer), rename, update of
/// resources, the published ports, and the end of a container as its monitor reports it.
extension ContainerEngine {
  /// docker restart: `stop` (its signal, `timeout` seconds, SIGKILL), then `start`; a stopped container is
  /// started, and an `autoRemove` one is kept for the new run.
  public func restart(_ reference: String, timeout: Int = 10) async throws(EngineError) {
    try await mapped("restart \(reference)") {
      let record = try store.find(reference)
      try await lifecycle.stop(record, timeout: timeout, removeIfAuto: false)
      do { _ = try await lifecycle.start(record.id, foreground: nil) } catch let failure as StartFailure {
        throw EngineError.startFailed(id: record.id, code: failure.code, message: failure.message)
      }
    }
  }

  /// docker pause: freezes every process of the container through the host's cgroup driver (the v1 freezer or
  /// v2's `cgroup.freeze`), so that, unlike with SIGSTOP, they cannot notice.
  public func pause(_ reference: String) async throws(EngineError) {
    try await freeze(reference, paused: true)
  }

  /// docker unpause: thaws what `pause` froze.
  public func unpause(_ reference: String) async throws(EngineError) {
    try await freeze(reference, paused: false)
  }

  /// Freezes or thaws the container. A user's pause or unpause (not `byCommit`) takes the freeze over from any
  /// commit: its `CommitPause` mark is dropped, so that neither the commit's own thaw nor a later `sweep` (for a
  /// mark its dead committer left) undoes what the user asked.
  func freeze(_ reference: String, paused: Bool, byCommit: Bool = false) async throws(EngineError) {
    try await mapped() {
      let record = try store.find(reference)
      let status = store.status(record)
      guard status.isRunning else { throw EngineError.containerNotRunning(record.id) }
      if paused, status.phase == .paused {
        throw EngineError.invalidArgument("Container \(record.id) is already paused")
      }
      if !paused, status.phase != .paused { throw EngineError.invalidArgument("Container \(record.id) is not paused") }
      try await lifecycle.freeze(record, paused)
      if !byCommit { CommitPause(root: root).clear(record.id) }
      journal.container(paused ? "pause" : "unpause", record)
    }
  }

  /// docker rename: gives the container `newName`, which must be free (docker's errors when it is not).
  public func rename(_ reference: String, to newName: String) async throws(EngineError) {
    try await mapped("rename \(reference)") {
      let record = try store.find(reference)
      let (store, id) = (store, record.id)
      try await Lifecycle.offPool { try store.changeName(id: id, to: newName) }
      journal.container("rename", try store.load(id: id), ["oldName": "/" + record.name])
    }
  }

  /// docker update: changes the container's limits and restart policy. A running container's cgroup is written
  /// at once; the record keeps them for its next starts. The restart policy takes effect at the next start (the
  /// monitor of the current run was given the old one).
  public func update(_ reference: String, resources: ContainerResources) async throws(EngineError) {
    try await mapped("update \(reference)") {
      let found = try store.find(reference)
      try await lifecycle.withContainerLock(found.id) {
        var record = try store.load(id: found.id)
        var host = record.hostConfig
        if let m = resources.memoryLimit {
          if m != 0, m < 6 << 20 { throw EngineError.invalidArgument("Minimum memory limit allowed is 6MB") }
          host.memory = m
        }
        if let c = resources.nanoCPUs {
          guard c >= 0 else { throw EngineError.invalidArgument("Range of CPUs is from 0.01 to the host's CPUs") }
          host.nanoCPUs = c
        }
        if let s = resources.cpuShares { host.cpuShares = s }
        if let p = resources.pidsLimit { host.pidsLimit = p }
        if let policy = resources.restartPolicy {
          if host.autoRemove, policy.name != "no" {
            throw EngineError.invalidArgument(
              "Restart policy cannot be updated because AutoRemove is enabled for the container")
          }
          host.restartPolicy = policy
        }
        let status = store.status(record)
        if status.isRunning {
          // Only what was asked: a limit left alone keeps what the cgroup has.
          var asked = HostConfig()
          asked.memory = resources.memoryLimit == nil ? 0 : host.memory
          asked.nanoCPUs = resources.nanoCPUs == nil ? 0 : host.nanoCPUs
          asked.cpuShares = resources.cpuShares == nil ? 0 : host.cpuShares
          asked.pidsLimit = resources.pidsLimit == nil ? 0 : host.pidsLimit
          let limits = SpecBuilder.resources(asked)
          let path = lifecycle.cgroupPath(record)
          let outcome: Result<Void, CgroupError> = await BlockingCall.run {
            guard let driver = LibraryEngine.cgroupDriver else { return .success(()) }
            do throws(CgroupError) { try driver.update(path, resources: limits) } catch { return .failure(error) }
            return .success(())
          }
          if case .failure(let error) = outcome {
            throw EngineError.underlying(context: "update \(record.shortID)", cause: error)
          }
        }
        record.hostConfig = host
        try store.save(record)
      }
    }
  }

  /// docker port: the container's published ports as bound (a host port 0 resolved to the kernel's pick); none
  /// while it does not run.
  public func port(_ reference: String) async throws(EngineError) -> [PortMapping] {
    try await mapped("port \(reference)") {
      let record = try store.find(reference)
      return store.status(record).isRunning ? record.ports : []
    }
  }

  /// What `EngineConfiguration.exitCommand` should call with the container's ID once the monitor has ended it
  /// for good (the monitor sets `CKIT_MONITOR_PID` to its pid for `monitorPid`): releases its network and ports
  /// and, with `autoRemove`, removes it. The exit of a monitor that has since been replaced (a stop, then a
  /// start) is ignored. A container already removed is no error.
  public func monitorExited(_ id: String, monitorPid: Int32?) async throws(EngineError) {
    guard let record = try? store.load(id: id) else { return }
    try await mapped("clean up \(id)") {
      try await lifecycle.cleanup(record, removeIfAuto: true, onlyForMonitor: monitorPid)
    }
  }
}
