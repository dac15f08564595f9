import Foundation
import TestSupport
import Testing

/// The commands wired last (build, diff, cp, save, load, export, import, search), end to end through the real
/// `ckit` binary against a real registry and the real kernel. Each test has its own state root.
@Suite(.enabled(if: isRoot, "requires root"), .serialized)
struct CkitMoreTests {
  func withEnv(_ body: (CkitSeedTests.Env) async throws -> Void) async throws {
    try await withScratchRoot { scratch in
      let env = try CkitSeedTests.Env(scratch)
      defer { env.teardown() }
      try await body(env)
    }
  }

  /// The seed Dockerfile builds; the image runs and shows the ADDed file; a second build is all cache.
  @Test func buildRunAndCache() async throws {
    try await withEnv { env in
      #expect(try env.ckit(["pull", "-q", env.image]).status == 0)
      let ctx = try env.scratch.directory("ctx")
      try "hello from the context\n".write(
        to: ctx.appendingPathComponent("hello.txt"), atomically: true, encoding: .utf8)
      try """
      FROM \(env.image)
      MAINTAINER ckit tests
      ENV GREETING=hi
      RUN echo built > /built.txt
      ADD hello.txt /hello.txt
      EXPOSE 80
      CMD ["cat", "/hello.txt"]

      """.write(to: ctx.appendingPathComponent("Dockerfile"), atomically: true, encoding: .utf8)
      let first = try env.ckit(["build", "-t", "seed:1", ctx.path])
      #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
      #expect(first.stdout.contains("Step 1/7 : FROM \(env.image)"), "\(first.stdout)")
      #expect(first.stdout.contains("Successfully tagged seed:1"), "\(first.stdout)")

      let run = try env.ckit(["run", "--rm", "seed:1", "cat", "/hello.txt", "/built.txt"])
      #expect(run.stdout == "hello from the context\nbuilt\n", "\(run.stderr)")
      let cmd = try env.ckit(["run", "--rm", "seed:1"])
      #expect(cmd.stdout == "hello from the context\n", "\(cmd.stderr)")

      let second = try env.ckit(["build", "-t", "seed:2", ctx.path])
      #expect(second.status == 0, "\(second.stderr)")
      let steps = second.stdout.components(separatedBy: "Step ").count - 1
      let cached = second.stdout.components(separatedBy: " ---> Using cache").count - 1
      #expect(steps == 7)
      #expect(cached == 6, "\(second.stdout)")

      let quiet = try env.ckit(["build", "-q", "--no-cache", "--build-arg", "X=1", "-t", "seed:3", ctx.path])
      #expect(quiet.status == 0, "\(quiet.stderr)")
      #expect(quiet.stdout.hasPrefix("sha256:") && quiet.stdout.split(separator: "\n").count == 1, "\(quiet.stdout)")

      let missing = try env.ckit(["build", "-f", "Nope", ctx.path])
      #expect(missing.status != 0)
      #expect(missing.stderr.contains("Nope"), "\(missing.stderr)")
    }
  }
}
