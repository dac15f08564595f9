import ArgumentParser
import Cgroups
import ContainerEngine
import Foundation

struct Pause: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "pause", abstract: "Pause all processes within one or more containers")

  @OptionGroup var global: GlobalOptions
  @Argument(help: "CONTAINER...") var containers: [String]

  func run() async throws {
    let store = global.containers
    try await ForEachContainer.run(containers, store: store) { record in
      try Freezer.set(record, store: store, paused: true)
    }
  }
}

struct Unpause: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "unpause", abstract: "Unpause all processes within one or more containers")

  @OptionGroup var global: GlobalOptions
  @Argument(help: "CONTAINER...") var containers: [String]

  func run() async throws {
    let store = global.containers
    try await ForEachContainer.run(containers, store: store) { record in
      try Freezer.set(record, store: store, paused: false)
    }
  }
}

/// Pausing freezes the container's cgroup through the Cgroups driver (v1 freezer or v2 `cgroup.freeze`, as the
/// runtime's own pause does), so its processes cannot observe it, unlike SIGSTOP.
enum Freezer {
  static func set(_ record: ContainerRecord, store: ContainerStore, paused: Bool) throws {
    var r = record
    let s = store.status(r)
    guard s.isRunning else { throw CkitError.containerNotRunning(r.id) }
    if paused, s.phase == .paused { throw CkitError.invalidArgument("Container \(r.id) is already paused") }
    if !paused, s.phase != .paused { throw CkitError.invalidArgument("Container \(r.id) is not paused") }
    guard let cgroups = try? String(contentsOfFile: "/proc/\(s.pid)/cgroup", encoding: .utf8),
      let path = StatsReader.cgroupPath(cgroups)
    else { throw CkitError.backend("freeze \(r.shortID): the container has no cgroup of its own") }
    do {
      let driver = try Cgroups.detect()
      if paused { try driver.freeze(path) } else { try driver.thaw(path) }
    } catch {
      throw CkitError.backend("freeze \(r.shortID): \(error)")
    }
    r.paused = paused
    try store.save(r)
  }
}
