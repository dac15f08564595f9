import ArgumentParser
import ContainerEngine
import Foundation

struct Pause: AsyncParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Pause all processes within one or more containers")

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
  static let configuration = CommandConfiguration(abstract: "Unpause all processes within one or more containers")

  @OptionGroup var global: GlobalOptions
  @Argument(help: "CONTAINER...") var containers: [String]

  func run() async throws {
    let store = global.containers
    try await ForEachContainer.run(containers, store: store) { record in
      try Freezer.set(record, store: store, paused: false)
    }
  }
}

/// Pausing: the container's freezer cgroup when it has one of its own, else SIGSTOP/SIGCONT to each of its
/// processes (which a process can observe, unlike the freezer; the cgroup path is preferred).
enum Freezer {
  static func set(_ record: ContainerRecord, store: ContainerStore, paused: Bool) throws {
    var r = record
    let s = store.status(r)
    guard s.isRunning else { throw CkitError.containerNotRunning(r.id) }
    if paused, s.phase == .paused { throw CkitError.invalidArgument("Container \(r.id) is already paused") }
    if !paused, s.phase != .paused { throw CkitError.invalidArgument("Container \(r.id) is not paused") }
    let pids = ProcessTree.descendants(of: s.monitorPid)
    if let cg = pids.first.flatMap(freezerCgroup), cg != "/" {
      let state = "/sys/fs/cgroup/freezer\(cg)/freezer.state"
      do { try (paused ? "FROZEN" : "THAWED").write(toFile: state, atomically: false, encoding: .utf8) } catch {
        throw CkitError.backend("freeze \(r.shortID): \(error)")
      }
    } else {
      for p in pids { kill(p, paused ? SIGSTOP : SIGCONT) }
    }
    r.paused = paused
    try store.save(r)
  }

  static func freezerCgroup(_ pid: Int32) -> String? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n") {
      let parts = line.split(separator: ":", maxSplits: 2)
      if parts.count == 3, parts[1].split(separator: ",").contains("freezer") { return String(parts[2]) }
    }
    return nil
  }
}
