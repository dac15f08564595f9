import Foundation
import Testing

@testable import DockerfileParser

/// Random and mutated input never crashes or hangs the parser, and printing a parsed file gives the same parse.
@Suite struct RobustnessTests {
  /// A small deterministic generator (SplitMix64) so failures reproduce.
  struct Rng {
    var state: UInt64
    mutating func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    mutating func pick<T>(_ a: [T]) -> T { a[int(a.count)] }
  }

  static let fragments = [
    "FROM ", "RUN ", "CMD ", "COPY ", "ADD ", "ENV ", "ARG ", "LABEL ", "ONBUILD ", "HEALTHCHECK ", "SHELL ",
    "EXPOSE ", "USER ", "WORKDIR ", "VOLUME ", "STOPSIGNAL ", "MAINTAINER ", "ENTRYPOINT ", "FROM a AS b", "\n",
    "\n", "\n", " ", "\t", "\\", "\\\n", "`", "# escape=`\n", "# syntax=x\n", "#", "\"", "'", "[", "]", ",", "=",
    "$", "${", "}", ":-", ":+", "?", "#", "%", "/", "//", "<<EOF", "<<-EOF", "<<'EOF'", "EOF\n", "\tEOF\n",
    "--mount=type=cache,target=/x", "--from=", "--chmod=", "--", "-", "a", "b", "x=y", "[\"a\",\"b\"]", "[1]",
    "é", "\u{A0}", "\u{85}", "\u{0}", "\r\n", "😀", "\u{FEFF}",
  ]

  static func generate(_ r: inout Rng) -> String {
    var s = ""
    for _ in 0..<(r.int(40) + 1) { s += r.pick(fragments) }
    return s
  }

  /// The CPU time this thread has used. A hang is a parse that burns CPU; wall-clock time would also count the
  /// seconds a loaded CI machine (every test at once, on two cores) gives the thread to others. The tests that
  /// measure are synchronous, so they stay on one thread from start to end.
  static func threadCPUTime() -> Duration {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return .seconds(t.tv_sec) + .nanoseconds(t.tv_nsec)
  }

  /// Exercises every layer on one input; any outcome but a crash or a hang is fine.
  static func exercise(_ text: String) {
    guard let tree = try? SyntaxTree.parse(text) else { return }
    _ = tree.dump()
    _ = DockerfilePrinter.print(tree)
    guard let file = try? Dockerfile(tree) else { return }
    let x = StageExpander(file, buildArgs: ["a": "1"])
    for s in file.stages { _ = try? x.expand(s) }
  }

  @Test func randomInputNeverCrashesOrHangs() {
    var r = Rng(state: 0xD0C4_E4F1_1E00_0001)
    let start = Self.threadCPUTime()
    for _ in 0..<3000 {
      let text = Self.generate(&r)
      let t0 = Self.threadCPUTime()
      Self.exercise(text)
      #expect(Self.threadCPUTime() - t0 < .seconds(1), "slow input: \(text.debugDescription)")
    }
    #expect(Self.threadCPUTime() - start < .seconds(60))
  }

  @Test func mutatedConformanceFilesNeverCrashOrHang() throws {
    var r = Rng(state: 42)
    var seeds = try ConformanceData.parserCases("testfiles").map {
      try String(contentsOf: $0.dockerfile, encoding: .utf8)
    }
    seeds.append(RoundTripTests.sample)
    for seed in seeds {
      var bytes = Array(seed.utf8)
      for _ in 0..<60 {
        var m = bytes
        for _ in 0..<(r.int(6) + 1) {
          guard !m.isEmpty else { break }
          let i = r.int(m.count)
          switch r.int(4) {
          case 0: m[i] = UInt8(truncatingIfNeeded: r.next())
          case 1: m.remove(at: i)
          case 2: m.insert(contentsOf: Array(r.pick(Self.fragments).utf8), at: i)
          default:
            let j = r.int(m.count)
            m.swapAt(i, j)
          }
        }
        let t0 = Self.threadCPUTime()
        Self.exercise(String(decoding: m, as: UTF8.self))
        #expect(Self.threadCPUTime() - t0 < .seconds(1))
        bytes = r.int(3) == 0 ? m : bytes
      }
    }
  }

  @Test func hostileSizesStayBounded() {
    let longLine = "RUN " + String(repeating: "a", count: 70000)
    #expect(throws: DockerfileError.self) { try SyntaxTree.parse(longLine) }
    let manyContinuations = "FROM a\nRUN " + String(repeating: "x \\\n", count: 20000) + "y\n"
    #expect((try? SyntaxTree.parse(manyContinuations))?.nodes.count == 2)
    let nested = "FROM a\nENV a=" + String(repeating: "${b:-", count: 2000) + String(repeating: "}", count: 2000)
    Self.exercise(nested)
    let pattern =
      "FROM a\nENV a=" + String(repeating: "*", count: 300) + "\nWORKDIR ${a//" + String(repeating: "*a", count: 50)
      + "/}\n"
    let t0 = Self.threadCPUTime()
    Self.exercise(pattern)
    #expect(Self.threadCPUTime() - t0 < .seconds(2))
  }
}

/// parse -> print -> parse gives the same tree.
@Suite struct RoundTripTests {
  static let sample = """
    # syntax=docker/dockerfile:1
    ARG BASE=alpine:3.19
    FROM --platform=$BUILDPLATFORM ${BASE} AS build
    LABEL org.opencontainers.image.title="demo app" version=1
    ENV PATH=/opt/bin:$PATH LEGACY_FREE=1
    ENV OLD style value
    RUN --mount=type=cache,target=/root/.cache \\
        --network=none \\
        apk add --no-cache build-base && \\
        make -j2
    RUN <<EOF
    set -e
    echo "heredoc $HOME"
    EOF
    COPY --chmod=0644 <<-"CONF" /etc/app.conf
    \tkey = value
    \tCONF
    COPY --from=build --chown="app user" ["/out/bin", "/usr/local/bin/"]
    ADD --checksum=sha256:0123 https://example.com/a.tgz /tmp/
    EXPOSE 80/tcp 53/udp
    VOLUME ["/data"]
    USER app:app
    WORKDIR /srv
    HEALTHCHECK --interval=30s CMD ["wget", "-q", "http://localhost/"]
    ONBUILD COPY . /src
    STOPSIGNAL SIGTERM
    SHELL ["/bin/sh", "-ec"]
    CMD ["serve", "--port=\\"80\\""]
    ENTRYPOINT /entry.sh
    """

  func roundTrip(_ text: String) throws {
    let a = try SyntaxTree.parse(text)
    let printed = DockerfilePrinter.print(a)
    let b = try SyntaxTree.parse(printed)
    #expect(a.dump() == b.dump(), "printed:\n\(printed)")
    #expect(a.nodes.map(\.heredocs) == b.nodes.map(\.heredocs))
    #expect(a.nodes.map(\.isJSON) == b.nodes.map(\.isJSON))
    #expect(a.escapeToken == b.escapeToken)
    // Typing agrees too (an untyped ONBUILD trigger may carry a printing placeholder).
    func typed(_ t: SyntaxTree) -> [[Instruction]]? {
      (try? Dockerfile(t))?.stages.map {
        $0.instructions.map {
          if case .onbuild(let o) = $0.value, o.trigger == nil {
            return .onbuild(Onbuild(expression: "", trigger: nil))
          }
          return $0.value
        }
      }
    }
    #expect(typed(a) == typed(b))
  }

  @Test func sampleRoundTrips() throws {
    try roundTrip(Self.sample)
  }

  @Test(arguments: ConformanceData.parserCases("testfiles"))
  func conformanceFilesRoundTrip(_ c: ConformanceData.ParserCase) throws {
    try roundTrip(try String(contentsOf: c.dockerfile, encoding: .utf8))
  }

  @Test func generatedFilesRoundTrip() throws {
    var r = RobustnessTests.Rng(state: 7)
    var checked = 0
    for _ in 0..<20000 {
      let text = "FROM a\n" + RobustnessTests.generate(&r).filter { $0 != "\u{0}" }
      // Round-tripping is promised for files that type-check (garbage keywords may hold escape characters).
      guard let a = try? SyntaxTree.parse(text), (try? Dockerfile(a)) != nil,
        a.nodes.allSatisfy({ $0.flags.allSatisfy { $0.utf8.allSatisfy { $0 < 0x80 } } })
      else { continue }
      let b = try SyntaxTree.parse(DockerfilePrinter.print(a))
      #expect(a.dump() == b.dump(), "input: \(text.debugDescription)")
      #expect(a.nodes.map(\.heredocs) == b.nodes.map(\.heredocs), "input: \(text.debugDescription)")
      checked += 1
    }
    #expect(checked > 100)
  }
}
