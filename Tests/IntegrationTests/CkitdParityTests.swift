import Foundation
import TestSupport
import Testing

/// Behaviours of dockerd that ckitd matches, each checked as dockerd answers: exec start's `ConsoleSize`, an
/// untagged build found by its ID, a commit's history line.
@Suite(.serialized, .enabled(if: getuid() == 0, "requires root"))
struct CkitdParityTests {
  /// `POST /exec/{id}/start` with `{"Tty":true,"ConsoleSize":[h,w]}` (what `docker exec -it` sends) sizes the
  /// terminal before the process runs: `stty size` prints it. Without it, the create's size applies.
  @Test func execStartConsoleSize() async throws {
    try await CkitdDaemon.with { env, d in
      #expect(try d.docker(["run", "-d", "--name", "sized", env.image, "sleep", "300"]).status == 0)
      func exec(start: String) throws -> String {
        let created = try RawSocket.exchange(
          d.socket,
          RawSocket.request(
            "POST", "/v1.47/containers/sized/exec",
            body: #"{"Tty":true,"AttachStdout":true,"ConsoleSize":[24,80],"Cmd":["stty","size"]}"#))
        #expect(RawSocket.status(created) == 201, "\(created)")
        let id = try #require(created.range(of: #""Id":""#).map { String(created[$0.upperBound...].prefix(64)) })
        let started = try RawSocket.exchange(
          d.socket,
          RawSocket.request(
            "POST", "/v1.47/exec/\(id)/start", body: start, headers: ["Connection: Upgrade", "Upgrade: tcp"]),
          halfClose: false, timeout: 60)
        #expect(RawSocket.status(started) == 101, "\(started)")
        return String(started[(started.range(of: "\r\n\r\n")?.upperBound ?? started.endIndex)...])
      }
      #expect(try exec(start: #"{"Tty":true,"ConsoleSize":[33,111]}"#) == "33 111\r\n")
      #expect(try exec(start: #"{"Tty":true}"#) == "24 80\r\n")
      let bad = try RawSocket.exchange(
        d.socket, RawSocket.request("POST", "/v1.47/exec/x/start", body: #"{"Tty":true,"ConsoleSize":"big"}"#))
      #expect(RawSocket.status(bad) == 400, "\(bad)")
      #expect(try d.docker(["rm", "-f", "sized"]).status == 0)
    }
  }

  /// `docker build -q .` without `-t` prints the image's ID; the image is then found by that ID and by a prefix of
  /// it (`run`, `inspect`), listed as `<none>`, and goes with `rmi`: once tagged, with its last tag.
  @Test func untaggedBuildFoundByID() async throws {
    try await CkitdDaemon.with { env, d in
      let context = try env.scratch.directory("untagged")
      try "FROM \(env.image)\nRUN echo untagged > /marker\n".write(
        to: context.appendingPathComponent("Dockerfile"), atomically: true, encoding: .utf8)
      let built = try d.docker(["build", "-q", context.path])
      #expect(built.status == 0, "\(built.stderr)")
      let id = built.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
      #expect(id.hasPrefix("sha256:") && id.count == 71, "\(built.stdout)")
      let short = String(id.dropFirst(7).prefix(12))
      #expect(try d.docker(["run", "--rm", id, "cat", "/marker"]).stdout == "untagged\n")
      #expect(try d.docker(["run", "--rm", short, "cat", "/marker"]).stdout == "untagged\n")
      #expect(try d.docker(["inspect", "--format", "{{.Id}}", short]).stdout == id + "\n")
      let images = try d.docker(["images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"]).stdout
      #expect(images.contains("<none>:<none> \(short)"), "\(images)")
      let removed = try d.docker(["rmi", short])
      #expect(removed.status == 0, "\(removed.stderr)")
      #expect(removed.stdout == "Deleted: \(id)\n", "\(removed.stdout)")
      #expect(try d.docker(["image", "inspect", id]).status == 1)

      // Built again (from the cache: the same ID), tagged, then untagged: the image goes with its last tag.
      #expect(try d.docker(["build", "-q", context.path]).stdout == id + "\n")
      #expect(try d.docker(["tag", short, "named:1"]).status == 0)
      let untagged = try d.docker(["rmi", "named:1"])
      #expect(untagged.stdout == "Untagged: named:1\nDeleted: \(id)\n", "\(untagged.stdout)\(untagged.stderr)")
      #expect(try d.docker(["image", "inspect", short]).status == 1)
    }
  }

  /// A commit's history line is the container's command, as dockerd writes it (its `Cmd` joined by spaces).
  @Test func commitHistoryIsTheCommand() async throws {
    try await CkitdDaemon.with { env, d in
      let run = try d.docker(["run", "--name", "rmpasswd", env.image, "rm", "/etc/passwd"])
      #expect(run.status == 0, "\(run.stderr)")
      #expect(try d.docker(["commit", "rmpasswd", "nopasswd:1"]).status == 0)
      #expect(try d.docker(["run", "--name", "rmgroup", env.image, "sh", "-c", "rm /etc/group"]).status == 0)
      #expect(try d.docker(["commit", "rmgroup", "nogroup:1"]).status == 0)
      #expect(try Self.createdBy(d, "nopasswd:1") == "rm /etc/passwd")
      #expect(try Self.createdBy(d, "nogroup:1") == "sh -c rm /etc/group")
      #expect(try d.docker(["rm", "rmpasswd", "rmgroup"]).status == 0)
    }
  }

  /// The newest history line of `image`, as `docker history` prints it.
  static func createdBy(_ d: CkitdDaemon, _ image: String) throws -> Substring? {
    try d.docker(["history", "--no-trunc", "--format", "{{.CreatedBy}}", image]).stdout.split(separator: "\n").first
  }
}
