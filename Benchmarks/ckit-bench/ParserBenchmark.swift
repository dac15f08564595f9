import DockerfileParser
import Foundation

/// Parses a generated Dockerfile (heredocs, continuations, expansions, several stages) many times and reports the
/// median time per parse and, when run under scripts/bench/parser.sh's malloc counter, allocations per parse.
/// Usage: ckit-bench parser [INSTRUCTIONS] [--emit]
enum ParserBenchmark {
  static func run(_ args: [String]) async throws {
    let count = args.compactMap(Int.init).first ?? 1000
    let text = generate(instructions: count)
    if args.contains("--emit") {
      print(text, terminator: "")
      return
    }
    let counter = mallocCounter()
    func measure(_ label: String, iterations: Int, _ body: () throws -> Void) rethrows {
      for _ in 0..<5 { try body() }
      var wall: [Double] = []
      var cpu: [Double] = []
      var allocations: [UInt] = []
      for _ in 0..<iterations {
        let a0 = counter?() ?? 0
        let c0 = threadCPUTime()
        let t0 = ContinuousClock.now
        try body()
        let d = ContinuousClock.now - t0
        cpu.append(threadCPUTime() - c0)
        wall.append(Double(d.components.attoseconds) / 1e15 + Double(d.components.seconds) * 1e3)
        allocations.append((counter?() ?? 0) - a0)
      }
      wall.sort()
      cpu.sort()
      allocations.sort()
      let allocs = counter == nil ? "n/a (run via scripts/bench/parser.sh)" : "\(allocations[allocations.count / 2])"
      print(
        String(
          format: "%@: median %.3f ms CPU (%.3f ms wall) over %d runs, allocations %@", label, cpu[cpu.count / 2],
          wall[wall.count / 2], iterations, allocs))
    }
    print("dockerfile: \(count) instructions, \(text.utf8.count) bytes")
    try measure("parse (syntax tree + typed stages)", iterations: 200) {
      _ = try Dockerfile(parsing: text)
    }
    try measure("syntax tree only", iterations: 200) {
      _ = try SyntaxTree.parse(text)
    }
    let file = try Dockerfile(parsing: text)
    let expander = StageExpander(file, buildArgs: ["VERSION": "2.0"])
    try measure("expand all stages", iterations: 200) {
      for stage in file.stages { _ = try expander.expand(stage, baseEnvironment: ["PATH=/usr/bin:/bin"]) }
    }
  }

  /// CPU time of this thread in milliseconds: steadier than wall time on a shared machine.
  static func threadCPUTime() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) * 1e3 + Double(ts.tv_nsec) / 1e6
  }

  /// The counter exported by the LD_PRELOAD shim in scripts/bench/parser.sh, if loaded.
  static func mallocCounter() -> (() -> UInt)? {
    guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "ckit_malloc_count") else { return nil }
    let fn = unsafeBitCast(sym, to: (@convention(c) () -> UInt).self)
    return { fn() }
  }

  /// A realistic mix: every tenth instruction starts a stage; heredocs, continuations, flags and variables.
  static func generate(instructions: Int) -> String {
    var out = "# syntax=docker/dockerfile:1\nARG VERSION=1.0\nARG BASE=alpine:3.19\n"
    var i = 0
    var stage = 0
    while i < instructions {
      switch i % 10 {
      case 0:
        out += "FROM --platform=$BUILDPLATFORM ${BASE} AS stage\(stage)\nARG VERSION\n"
        stage += 1
        i += 1
      case 1: out += "ENV APP_HOME=/opt/app-${VERSION} PATH=/opt/app/bin:$PATH LANG=C.UTF-8\n"
      case 2:
        out += "RUN --mount=type=cache,target=/var/cache/apk \\\n    apk add --no-cache curl ca-certificates \\\n"
        out += "    && echo \"installed ${VERSION}\" > /etc/version\n"
      case 3: out += "RUN <<EOF\nset -eu\nmkdir -p $APP_HOME/bin\necho building $VERSION\nEOF\n"
      case 4: out += "COPY --chmod=0644 <<-CONF ${APP_HOME}/app.conf\n\tname = app\n\tversion = ${VERSION}\n\tCONF\n"
      case 5: out += "LABEL org.opencontainers.image.version=\"${VERSION}\" maintainer=\"dev team\"\n"
      case 6: out += "COPY --from=stage0 --chown=app:app [\"/opt/app/bin/\", \"${APP_HOME}/bin/\"]\n"
      case 7: out += "WORKDIR ${APP_HOME:-/srv}/${VERSION%%.*}\n"
      case 8: out += "EXPOSE 8080/tcp 9090\n"
      default: out += "CMD [\"/opt/app/bin/server\", \"--config\", \"/opt/app/app.conf\"]\n"
      }
      i += 1
    }
    return out
  }
}
