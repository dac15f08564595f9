import ContainerKit
import Foundation

/// The mark a commit leaves while it holds a running container frozen: `containers/<id>/commit-pause`, the
/// committing process's pid and start time. Written before the freeze and removed after the thaw, so that a
/// freeze whose committer died in between (`kill -9` of ckitd mid-commit) is found and undone by the next
/// `sweep` (ckitd's start, `ckit ps`, `ckit start`) instead of leaving the container paused for good. A container
/// paused by `pause` has no mark and stays paused (a user's pause or unpause drops the mark: the freeze is theirs
/// from then on); a mark whose process still runs (a commit under way in another process) is left alone.
struct CommitPause {
  let root: StateRoot

  /// The mark's file for container `id`.
  func path(_ id: String) -> String { root.containerDir(id) + "/commit-pause" }

  /// Marks container `id` as about to be frozen by this process's commit.
  func mark(_ id: String) throws {
    let pid = getpid()
    guard let start = ProcInfo.stat(pid)?.startTime else {
      throw EngineError.state(path: "/proc/\(pid)/stat", reason: "unreadable")
    }
    try "\(pid) \(start)\n".write(toFile: path(id), atomically: true, encoding: .utf8)
  }

  /// Removes the mark once the container is thawed (or was never frozen).
  func clear(_ id: String) { unlink(path(id)) }

  /// Whether container `id` has a mark whose process is gone (or that cannot be read: no process owns it).
  func isOrphaned(_ id: String) -> Bool {
    guard let text = try? String(contentsOfFile: path(id), encoding: .utf8) else { return false }
    guard let (pid, start) = Self.owner(text) else { return true }
    return !ProcInfo.isAlive(pid, startTime: start)
  }

  /// Whether container `id` has this process's mark: the freeze is still its commit's (no user took it over).
  func isOwn(_ id: String) -> Bool {
    let pid = getpid()
    guard let text = try? String(contentsOfFile: path(id), encoding: .utf8), let owner = Self.owner(text) else {
      return false
    }
    return owner.pid == pid && owner.start == ProcInfo.stat(pid)?.startTime
  }

  /// The pid and start time a mark holds.
  private static func owner(_ text: String) -> (pid: Int32, start: UInt64)? {
    let parts = text.split(whereSeparator: \.isWhitespace)
    guard parts.count == 2, let pid = Int32(parts[0]), let start = UInt64(parts[1]) else { return nil }
    return (pid, start)
  }
}
