import ContainerEngine
import Foundation
import TestSupport
import Testing

/// docker commit and diff through the public API: the new image has the container's files and the changes.
@Suite(.enabled(if: isRoot, "requires root"))
struct CommitAPITests {
  @Test func commitWithChangesThenRunTheImage() async throws {
    try await withEngine { engine, image in
      let id = try await engine.run(
        .shell(image, "echo committed > /hello; sleep 3600"))
      let diffed = try await eventuallyValue {
        let changes = try await engine.diff(id)
        return changes.contains(FilesystemChange(kind: .added, path: "/hello")) ? changes : nil
      }
      #expect(diffed != nil)
      // Paused while the filesystem is read, then running again.
      let imageID = try await engine.commit(
        id,
        options: CommitOptions(
          reference: "committed-api:v1", author: "Ann <ann@example.com>", message: "with hello",
          changes: ["CMD [\"cat\", \"/hello\"]", "ENV COMMITTED=yes", "LABEL stage=api", "WORKDIR /tmp"]))
      #expect(imageID.hasPrefix("sha256:"))
      #expect(try await engine.inspect(id).state.status == .running)

      let child = try await engine.run(ContainerSpec(image: "committed-api:v1", network: .none))
      #expect(try await engine.wait(child) == 0)
      #expect(try await engine.logs(child).map(\.text) == ["committed\n"])
      let config = try await engine.inspect(child).config
      #expect(config.cmd == ["cat", "/hello"])
      #expect(config.env.contains("COMMITTED=yes"))
      #expect(config.labels["stage"] == "api")
      #expect(config.workingDir == "/tmp")
      #expect(try await engine.inspect(child).image == imageID)

      await #expect(throws: EngineError.invalidArgument("RUN is not a valid change command")) {
        try await engine.commit(id, options: CommitOptions(changes: ["RUN true"]))
      }
    }
  }

  @Test func diffListsAddedChangedAndDeletedPaths() async throws {
    try await withEngine { engine, image in
      let id = try await engine.run(
        .shell(image, "mkdir /added && echo x >> /etc/passwd && rm /etc/group"))
      #expect(try await engine.wait(id) == 0)
      let changes = try await engine.diff(id)
      #expect(changes.contains(FilesystemChange(kind: .added, path: "/added")))
      #expect(changes.contains(FilesystemChange(kind: .modified, path: "/etc/passwd")))
      #expect(changes.contains(FilesystemChange(kind: .modified, path: "/etc")))
      #expect(changes.contains(FilesystemChange(kind: .deleted, path: "/etc/group")))
      #expect(changes.map(\.description).contains("A /added"))
      #expect(changes.map(\.path) == changes.map(\.path).sorted())
    }
  }

  /// A commit killed while it held the container frozen leaves its mark (`containers/<id>/commit-pause`, a pid
  /// that is gone); the user then unpauses and pauses the container themselves. The next sweep (ckitd's start,
  /// `ckit ps`) must leave the user's pause alone: the mark stopped meaning anything once the user took the freeze
  /// over. Before the fix the sweep thawed it.
  @Test func aPauseByTheUserAfterAnInterruptedCommitSurvivesTheSweep() async throws {
    try await withEngine { engine, image in
      let id = try await engine.run(ContainerSpec(image: image, command: ["sleep", "3600"], network: .none))
      let pid = try await engine.inspect(id).state.pid
      // What a committer killed mid-commit leaves: the container frozen, the mark of a process that is gone.
      let mark = engine.configuration.root + "/containers/\(id)/commit-pause"
      try await engine.pause(id)
      try "2147483647 1\n".write(toFile: mark, atomically: true, encoding: .utf8)
      try await engine.unpause(id)
      try await engine.pause(id)
      await engine.sweep()
      #expect(try await engine.inspect(id).state.paused, "the sweep thawed a container the user paused")
      #expect(ContainerAPITests.frozen(pid))
      #expect(!FileManager.default.fileExists(atPath: mark))
      try await engine.unpause(id)
      #expect(!ContainerAPITests.frozen(pid))
    }
  }
}
