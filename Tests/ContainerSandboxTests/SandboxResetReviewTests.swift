import ContainerSandbox
import Foundation
import Synchronization
import TestSupport
import Testing

/// Replays of a security review's findings in the sandbox's reset and snapshot: each fails without its fix.
@Suite(.enabled(if: isRoot, "sandboxes need root"))
struct SandboxResetReviewTests {
  /// A sandbox with a read-only bind of a host file at `/data/fixture.txt`, reset once so that its mount points
  /// are known (they are read from pid 1's mountinfo at the first reset).
  static func withBoundSandbox(_ body: (Sandbox) async throws -> Void) async throws {
    try await withScratchRoot { scratch in
      let file = scratch.path.path + "/fixture.txt"
      try Data("one file\n".utf8).write(to: URL(fileURLWithPath: file))
      let config = SandboxFixture.configuration { $0.mounts = [.init(source: file, destination: "/data/fixture.txt")] }
      let sandbox = try await Sandbox.open(image: try SandboxFixture.image, configuration: config)
      do {
        try await sandbox.reset()
        try await body(sandbox)
      } catch {
        await sandbox.close()
        throw error
      }
      await sandbox.close()
    }
  }

  /// `body`'s outcome, or nil when it has not returned within `limit` (then left running: the hang is the defect).
  static func within<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async -> Result<
    T, any Error
  >? {
    let outcome = Mutex<Result<T, any Error>?>(nil)
    Task {
      let r: Result<T, any Error>
      do { r = .success(try await body()) } catch { r = .failure(error) }
      outcome.withLock { $0 = r }
    }
    let end = ContinuousClock.now + limit
    while ContinuousClock.now < end {
      if let r = outcome.withLock({ $0 }) { return r }
      try? await Task.sleep(for: .milliseconds(50))
    }
    return nil
  }

  static func isClosed(_ error: any Error) -> Bool {
    if case .closed = error as? SandboxError { return true }
    return false
  }

  /// A process in the sandbox puts a FIFO where the file bind's mount point was (renaming the bound file's
  /// directory away), then a snapshot stacks that FIFO under the new root: making the mount point there must not
  /// open it (an open for writing blocks until a reader comes). The snapshot returns, with the bind in place or
  /// with an error naming the mount point (and the sandbox then closed); it never hangs.
  @Test func fifoAtAFileBindsMountPointDoesNotHang() async throws {
    try await Self.withBoundSandbox { (sandbox: Sandbox) async throws in
      let r = try await sandbox.run(["sh", "-c", "mv /data /data.old && mkdir /data && mkfifo /data/fixture.txt"])
      #expect(r.exitCode == 0)
      switch await Self.within(.seconds(60), { try await sandbox.snapshot() }) {
      case nil:
        Issue.record("the snapshot hung on a FIFO at a file bind's mount point")
      case .success(let template):
        #expect(try await sandbox.run(["cat", "/data/fixture.txt"]).stdout == "one file\n")
        await template.remove()
      case .failure(let error):
        #expect("\(error)".contains("/data/fixture.txt"))
        await #expect { try await sandbox.run(["true"]) } throws: { Self.isClosed($0) }
      }
    }
  }

  /// A swap failing after the new overlay is attached on pid 1's `/` (here: the bind's mount point renamed away by
  /// a process in the sandbox) leaves a half-built root: the sandbox is closed, and a later run throws `closed`
  /// rather than entering it.
  @Test func failedSwapClosesTheSandbox() async throws {
    try await Self.withBoundSandbox { (sandbox: Sandbox) async throws in
      #expect(try await sandbox.run(["mv", "/data", "/data.old"]).exitCode == 0)
      await #expect(throws: SandboxError.self) { try await sandbox.reset() }
      await #expect { try await sandbox.run(["true"]) } throws: { Self.isClosed($0) }
    }
  }

  /// pid 1 is not dumpable: root in the sandbox cannot reopen its stdin (the owner's pipe) through
  /// `/proc/1/fd/0`, for writing or reading, so no sandbox reaches that pipe (or another sandbox's pid 1).
  @Test func pid1sOwnerPipeIsOutOfReach() async throws {
    let config = SandboxFixture.configuration()
    try await Sandbox.withSandbox(image: try SandboxFixture.image, configuration: config) { sandbox in
      #expect(try await sandbox.run(["id", "-u"]).stdout == "0\n")
      let write = try await sandbox.run(["sh", "-c", "echo x > /proc/1/fd/0"])
      #expect(write.exitCode != 0)
      #expect(write.stderr.contains("denied") || write.stderr.contains("not permitted"))
      #expect(try await sandbox.run(["sh", "-c", "exec 3< /proc/1/fd/0"]).exitCode != 0)
    }
  }

  /// Starts racing a snapshot: each process waits 2 s, then writes in its working directory. Those started before
  /// the snapshot are killed by it, those after it write to the sandbox's new upper directory; none may exec into
  /// the old root after the snapshot's last kill pass (its working directory, below the old root, is not moved by
  /// the pivot) and write into the template's layer. Racy by nature: it replays the defect often, not always.
  @Test func startsRacingASnapshotNeverWriteToTheTemplate() async throws {
    let config = SandboxFixture.configuration { $0.workingDirectory = "/w" }
    let template = try await Sandbox.withSandbox(image: try SandboxFixture.image, configuration: config) { sandbox in
      try await withThrowingTaskGroup(of: Void.self) { group in
        for i in 0..<48 {
          group.addTask {
            try? await Task.sleep(for: .milliseconds(3 * i))
            _ = try? await sandbox.start(["sh", "-c", "sleep 2; echo late > late-\(i)"])
          }
        }
        try await Task.sleep(for: .milliseconds(30))
        let t = try await sandbox.snapshot()
        try await group.waitForAll()
        try await Task.sleep(for: .seconds(3))
        return t
      }
    }
    try await Sandbox.withSandbox(template: template) { (child: Sandbox) async throws in
      #expect(try await child.run(["sh", "-c", "ls /w | grep -c late"]).stdout == "0\n")
    }
    await template.remove()
  }
}
