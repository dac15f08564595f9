import Foundation
import TestSupport
import Testing

/// `build`'s cache as the classic builder keeps it: a step is reused only while everything it depends on is the
/// same. A changed `--build-arg`, base image or `COPY --from` stage must rebuild what follows, and the image must
/// hold the new result (a stale cache hit is the defect these catch).
@Suite(.enabled(if: isRoot, "requires root"), .serialized)
struct CkitFlagBuildCacheTests {
  /// The steps of a classic build's output, each with whether it was `Using cache`.
  static func steps(_ output: String) -> [(step: String, cached: Bool)] {
    let parts = output.components(separatedBy: "Step ").dropFirst()
    return parts.map { part in
      (String(part.prefix { $0 != "\n" }), part.contains(" ---> Using cache"))
    }
  }

  static func write(_ text: String, _ dir: URL, _ name: String = "Dockerfile") throws {
    try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
  }

  /// `--build-arg`: the same value reuses the RUN that reads it, another value runs it again.
  @Test func changedBuildArgRebuilds() async throws {
    try await CkitFlag.withEnv { env in
      let ctx = try env.scratch.directory("ctx")
      try Self.write("FROM \(env.image)\nARG V=none\nRUN echo \"v=$V\" > /v\nCMD [\"cat\", \"/v\"]\n", ctx)
      func build(_ value: String) throws -> [(step: String, cached: Bool)] {
        let r = try env.ckit(["build", "--build-arg", "V=\(value)", "-t", "arg:\(value)", ctx.path])
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        return Self.steps(r.stdout)
      }
      let first = try build("1")
      #expect(first.count == 4 && first.dropFirst().allSatisfy { !$0.cached }, "\(first)")
      let same = try build("1")
      #expect(same.dropFirst().allSatisfy { $0.cached }, "\(same)")
      let other = try build("2")
      #expect(other.map(\.cached) == [false, true, false, false], "\(other)")
      #expect(try env.ckit(["run", "--rm", "--network", "none", "arg:2"]).stdout == "v=2\n")
      #expect(try env.ckit(["run", "--rm", "--network", "none", "arg:1"]).stdout == "v=1\n")
    }
  }

  /// A base image name that now points at another image: nothing built on the old one is reused.
  @Test func changedBaseImageRebuilds() async throws {
    try await CkitFlag.withEnv { env in
      #expect(try env.ckit(["tag", env.image, "base:moving"]).status == 0)
      let ctx = try env.scratch.directory("ctx")
      try Self.write("FROM base:moving\nRUN cat /marker 2>/dev/null > /seen; true\nCMD [\"cat\", \"/seen\"]\n", ctx)
      let first = try env.ckit(["build", "-t", "on-base:1", ctx.path])
      #expect(first.status == 0, "\(first.stdout) \(first.stderr)")
      #expect(try env.ckit(["run", "--rm", "--network", "none", "on-base:1"]).stdout.isEmpty)

      // Another image under the same name: busybox plus /marker.
      let other = try env.scratch.directory("other")
      try "new-base\n".write(to: other.appendingPathComponent("marker"), atomically: true, encoding: .utf8)
      try Self.write("FROM \(env.image)\nCOPY marker /marker\n", other)
      #expect(try env.ckit(["build", "-q", "-t", "base:moving", other.path]).status == 0)

      let second = try env.ckit(["build", "-t", "on-base:2", ctx.path])
      #expect(second.status == 0, "\(second.stdout) \(second.stderr)")
      #expect(Self.steps(second.stdout).dropFirst().allSatisfy { !$0.cached }, "\(second.stdout)")
      #expect(try env.ckit(["run", "--rm", "--network", "none", "on-base:2"]).stdout == "new-base\n")
    }
  }

  /// `COPY --from=STAGE`: a stage whose result changed (its context file) invalidates the COPY that takes from
  /// it, while the final stage's steps before that COPY stay cached.
  @Test func changedCopyFromStageRebuilds() async throws {
    try await CkitFlag.withEnv { env in
      let ctx = try env.scratch.directory("ctx")
      try Self.write(
        """
        FROM \(env.image) AS maker
        COPY input.txt /made.txt
        RUN echo made >> /made.txt
        FROM \(env.image)
        RUN echo final-first > /first
        COPY --from=maker /made.txt /copied.txt
        CMD ["cat", "/copied.txt"]

        """, ctx)
      try Self.write("one\n", ctx, "input.txt")
      let first = try env.ckit(["build", "-t", "multi:1", ctx.path])
      #expect(first.status == 0, "\(first.stdout) \(first.stderr)")
      #expect(try env.ckit(["run", "--rm", "--network", "none", "multi:1"]).stdout == "one\nmade\n")
      let again = try env.ckit(["build", "-t", "multi:1b", ctx.path])
      #expect(
        Self.steps(again.stdout).filter { !$0.step.contains(": FROM ") }.allSatisfy { $0.cached }, "\(again.stdout)")

      try Self.write("two\n", ctx, "input.txt")
      let second = try env.ckit(["build", "-t", "multi:2", ctx.path])
      #expect(second.status == 0, "\(second.stdout) \(second.stderr)")
      let steps = Self.steps(second.stdout)
      let cached = Dictionary(
        steps.map { ($0.step.split(separator: ":", maxSplits: 1).last.map(String.init) ?? "", $0.cached) }
      ) { a, _ in a }
      #expect(cached[" COPY input.txt /made.txt"] == false, "\(second.stdout)")
      #expect(cached[" RUN echo final-first > /first"] == true, "\(second.stdout)")
      #expect(cached[" COPY --from=maker /made.txt /copied.txt"] == false, "\(second.stdout)")
      #expect(try env.ckit(["run", "--rm", "--network", "none", "multi:2"]).stdout == "two\nmade\n")
    }
  }
}
