import ContainerEngine
import Foundation
import TestSupport
import Testing

/// `docker cp` through the engine's public API: links resolve in the container, never on the host.
@Suite(.enabled(if: isRoot, "requires root"))
struct CopyAPITests {
  @Test func copyOutArchiveAndCopyIn() async throws {
    try await withEngine { engine, image in
      let probe = "ckit-engine-cp-\(UInt32.random(in: 0..<UInt32.max))"
      let script =
        "echo secret > /etc/shadow && ln -s /etc/shadow /tmp/s && ln -s /etc/\(probe) /tmp/trap"
        + " && mkdir /tmp/d && echo one > /tmp/d/one"
      let id = try await engine.run(
        ContainerSpec(image: image, command: ["sh", "-c", script], name: "engine-cp", network: .none))
      #expect(try await engine.wait(id) == 0)
      let host = FileManager.default.temporaryDirectory.appendingPathComponent("engine-cp-\(UUID().uuidString)").path
      try FileManager.default.createDirectory(atPath: host, withIntermediateDirectories: true)
      defer { try? FileManager.default.removeItem(atPath: host) }

      try await engine.copy(from: "engine-cp", path: "/tmp/s", toHost: host + "/shadow", followLink: true)
      #expect(try String(contentsOfFile: host + "/shadow", encoding: .utf8) == "secret\n")
      try await engine.copy(from: id, path: "/tmp/d", toHost: host)
      #expect(try String(contentsOfFile: host + "/d/one", encoding: .utf8) == "one\n")

      let tar = host + "/d.tar"
      let fd = open(tar, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
      try await engine.archive(id, path: "/tmp/d", to: fd)
      close(fd)
      #expect(try Command.run(["tar", "-tf", tar]).stdout == "d/\nd/one\n")

      try "in\n".write(toFile: host + "/in.txt", atomically: true, encoding: .utf8)
      try await engine.copy(fromHost: host + "/in.txt", to: id, path: "/tmp/trap")
      #expect(!FileManager.default.fileExists(atPath: "/etc/\(probe)"), "followed the container's link on the host")
      try await engine.copy(from: id, path: "/tmp/trap", toHost: host + "/back")
      #expect(try String(contentsOfFile: host + "/back", encoding: .utf8) == "in\n")

      await #expect(throws: EngineError.invalidArgument("Could not find the file /no/such in container \(id)")) {
        try await engine.copy(from: id, path: "/no/such", toHost: host)
      }
    }
  }
}
