import Testing

@testable import DockerfileParser

/// ARG scoping and which instructions expand, as a build sees them.
@Suite struct ExpansionTests {
  let amd64 = PlatformArgs(architecture: "amd64")
  let arm = PlatformArgs(architecture: "arm", variant: "v7")

  func expand(_ text: String, args: [String: String] = [:], stage: Int = 0, baseEnv: [String] = []) throws
    -> ExpandedStage
  {
    let f = try Dockerfile(parsing: text)
    let x = StageExpander(f, buildArgs: args, buildPlatform: amd64, targetPlatform: arm)
    return try x.expand(f.stages[stage], baseEnvironment: baseEnv)
  }

  @Test func globalArgsOnlyReachFromLines() throws {
    let text = """
      ARG TAG=3.19
      ARG REG=docker.io
      FROM --platform=$BUILDPLATFORM $REG/alpine:${TAG} AS a
      RUN echo $TAG
      WORKDIR /w/$TAG
      ARG TAG
      WORKDIR /w/$TAG
      """
    let s = try expand(text)
    #expect(s.from == From(image: "docker.io/alpine:3.19", name: "a", platform: "linux/amd64"))
    #expect(s.instructions[1].instruction == .workdir("/w/"))
    #expect(s.instructions[3].instruction == .workdir("/w/3.19"))
    // RUN is not expanded: the shell does it, with the ARGs in scope as environment.
    #expect(s.instructions[0].instruction == .run(Run(command: .shell("echo $TAG"))))
    #expect(s.instructions[0].buildArgs["TAG"] == nil)
    #expect(s.instructions[3].buildArgs["TAG"] == "3.19")
    let o = try expand(text, args: ["TAG": "edge", "UNUSED": "1"])
    #expect(o.from.image == "docker.io/alpine:edge")
    #expect(o.instructions[3].instruction == .workdir("/w/edge"))
    let f = try Dockerfile(parsing: text)
    #expect(
      StageExpander(f, buildArgs: ["UNUSED": "1", "HTTP_PROXY": "x", "TAG": "1"]).unusedBuildArgs() == ["UNUSED"])
  }

  @Test func buildArgsOverrideDefaultsAndEnvWins() throws {
    let text = """
      FROM a
      ARG V=default
      ENV FROM_ARG=$V
      ENV V=fromenv
      ARG V=again
      LABEL v=$V
      """
    let s = try expand(text, args: ["V": "cli"])
    #expect(s.instructions[1].instruction == .env([KeyValue(key: "FROM_ARG", value: "cli")]))
    #expect(s.instructions[4].instruction == .label([KeyValue(key: "v", value: "fromenv")]))
    #expect(s.environment == ["FROM_ARG=cli", "V=fromenv"])
    #expect(s.args["V"] == "cli")
  }

  @Test func platformArgsNeedRedeclaration() throws {
    let s = try expand(
      "FROM a\nLABEL a=$TARGETARCH\nARG TARGETARCH TARGETPLATFORM BUILDOS\nLABEL b=$TARGETARCH c=$TARGETPLATFORM d=$BUILDOS\n"
    )
    #expect(s.instructions[0].instruction == .label([KeyValue(key: "a", value: "")]))
    #expect(
      s.instructions[2].instruction
        == .label([
          KeyValue(key: "b", value: "arm"), KeyValue(key: "c", value: "linux/arm/v7"),
          KeyValue(key: "d", value: "linux"),
        ]))
  }

  @Test func envSeesValuesFromBeforeTheInstruction() throws {
    let s = try expand("FROM a\nENV abc=hello\nENV abc=bye def=$abc\nENV ghi=$abc\n")
    #expect(
      s.instructions[1].instruction == .env([KeyValue(key: "abc", value: "bye"), KeyValue(key: "def", value: "hello")]))
    #expect(s.instructions[2].instruction == .env([KeyValue(key: "ghi", value: "bye")]))
  }

  @Test func baseImageEnvironmentIsVisible() throws {
    let s = try expand("FROM a\nENV PATH=/opt/bin:$PATH\nWORKDIR $HOME\n", baseEnv: ["PATH=/usr/bin", "HOME=/root"])
    #expect(s.instructions[0].instruction == .env([KeyValue(key: "PATH", value: "/opt/bin:/usr/bin")]))
    #expect(s.instructions[1].instruction == .workdir("/root"))
    #expect(s.environment == ["PATH=/opt/bin:/usr/bin", "HOME=/root"])
  }

  @Test func whichInstructionsExpand() throws {
    let s = try expand(
      """
      FROM a
      ARG D=/data P=8080 U=app S=SIGINT
      ADD --chown=$U src/$D "$D/x"
      COPY --from=$U --chmod=0$P x $D/
      VOLUME $D ["$D"]
      USER $U:$U
      STOPSIGNAL $S
      EXPOSE $P ${P}/udp
      CMD echo $D
      ENTRYPOINT ["$D"]
      HEALTHCHECK CMD check $D
      ONBUILD RUN echo $D
      RUN --mount=type=cache,target=$D echo $D
      """)
    let i = s.instructions.map(\.instruction)
    #expect(i[1] == .add(Add(sources: [.path("src//data")], destination: "/data/x", chown: "app")))
    #expect(i[2] == .copy(Copy(sources: [.path("x")], destination: "/data/", from: "app", chmod: "08080")))
    #expect(i[3] == .volume(["/data", "[/data]"]))
    #expect(i[4] == .user(User(user: "app", group: "app")))
    #expect(i[5] == .stopSignal("SIGINT"))
    #expect(i[6] == .expose(["8080", "8080/udp"]))
    #expect(i[7] == .cmd(.shell("echo $D")))
    #expect(i[8] == .entrypoint(.exec(["$D"])))
    #expect(i[9] == .healthcheck(.command(.shell("check $D"), HealthcheckOptions())))
    guard case .onbuild(let o) = i[10], case .run(let r) = i[11] else { throw Unexpected() }
    #expect(o.expression == "RUN echo $D")
    #expect(r.command == .shell("echo $D") && r.mounts[0].target == "/data")
  }

  @Test func heredocBodiesExpandUnlessQuoted() throws {
    let s = try expand("FROM a\nARG N=world\nCOPY <<EOF <<'RAW' /d/\nhi \"$N\"\nEOF\nkeep $N\nRAW\n")
    guard case .copy(let c) = s.instructions[1].instruction else { throw Unexpected() }
    #expect(
      c.sources == [
        .heredoc(Heredoc(name: "EOF", content: "hi \"world\"\n")),
        .heredoc(Heredoc(name: "RAW", expand: false, content: "keep $N\n")),
      ])
  }

  @Test func expansionErrorsNameTheLine() throws {
    let f = try Dockerfile(parsing: "FROM a\n\nWORKDIR ${X:?must be set}\n")
    #expect(
      throws: DockerfileError(
        line: 3, instruction: "WORKDIR", reason: .expansion(word: "${X:?must be set}", message: "X: must be set"))
    ) {
      _ = try StageExpander(f).expand(f.stages[0])
    }
    let g = try Dockerfile(parsing: "ARG X\nFROM $X\n")
    #expect(throws: DockerfileError.self) { _ = try StageExpander(g).expandedFrom(g.stages[0]) }
    let h = try Dockerfile(parsing: "FROM a\nARG P\nEXPOSE $P\n")
    #expect(throws: DockerfileError.self) { _ = try StageExpander(h, buildArgs: ["P": "x"]).expand(h.stages[0]) }
  }

  /// #13: `ENV A=xx` then 30 lines of `ENV A=$A$A` would need 2 GiB for the last value (24 lines took 4.3 s and
  /// 440 MB). The word bound stops it at the line that passes 1 MiB, named in the error.
  @Test func doublingExpansionStopsAtTheWordBound() throws {
    let f = try Dockerfile(parsing: "FROM a\nENV A=xx\n" + String(repeating: "ENV A=$A$A\n", count: 30))
    // xx is 2 bytes; the 20th doubling (line 22) makes 2 MiB.
    let limit = ShellLex.maxExpandedWordBytes
    #expect(
      throws: DockerfileError(
        line: 22, instruction: "ENV",
        reason: .expansion(word: "$A$A", message: "expanded word longer than \(limit) bytes"))
    ) {
      _ = try StageExpander(f).expand(f.stages[0])
    }
    // A replacement multiplies two bounded words; it stops at the bound as it grows.
    let big = String(repeating: "y", count: limit / 2)
    let g = try Dockerfile(parsing: "FROM a\nARG B\nWORKDIR ${B//?/$B}\n")
    #expect(throws: DockerfileError.self) { _ = try StageExpander(g, buildArgs: ["B": big]).expand(g.stages[0]) }
    // Just under the bound is fine.
    let h = try Dockerfile(parsing: "FROM a\nARG B\nENV A=$B$B\n")
    let s = try StageExpander(h, buildArgs: ["B": big]).expand(h.stages[0])
    #expect(s.instructions[1].instruction == .env([KeyValue(key: "A", value: big + big, legacy: false)]))
  }
}
