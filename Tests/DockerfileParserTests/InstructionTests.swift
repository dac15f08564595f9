import Testing

@testable import DockerfileParser

/// Typed instructions, stages, and the errors BuildKit reports for invalid ones.
@Suite struct InstructionTests {
  func instructions(_ body: String) throws -> [Instruction] {
    try Dockerfile(parsing: "FROM base\n" + body).stages[0].instructions.map(\.value)
  }

  func reason(_ text: String) -> DockerfileError? {
    do {
      _ = try Dockerfile(parsing: text)
      return nil
    } catch {
      return error
    }
  }

  /// Dockerfiles refused, each with the reason BuildKit gives.
  static let refusals: [(String, DockerfileError.Reason)] = [
    // instructions and stages
    ("FROM a\nFOO bar\n", .unknownInstruction("FOO", suggestion: nil)),
    ("FROM a\nCOPY\t\n\t\tquux \\\n      bar\n", .noDestination("COPY")),
    ("RUN x\n", .noBuildStage),
    ("ARG a\n", .noStages),
    // flags
    ("FROM a\nCOPY --user=me a b\n", .unknownFlag("--user", suggestion: nil)),
    ("FROM a\nCOPY --chmown=1 a b\n", .unknownFlag("--chmown", suggestion: "--chown")),
    ("FROM a\nCOPY --from a b\n", .flagMissingValue("from")),
    ("FROM a\nCOPY --link=maybe a b\n", .flagNotBoolean("link", value: "maybe")),
    ("FROM a\nCOPY --from=x --from=y a b\n", .duplicateFlag("from")),
    ("FROM a\nENV --x a=b\n", .unknownFlag("--x", suggestion: nil)),
    // FROM
    ("FROM a AS 1x\n", .invalidStageName("1x")),
    ("FROM a AS b\nFROM c AS B\n", .duplicateStageName("b")),
    ("FROM a b\n", .fromArguments),
    // EXPOSE, SHELL, USER, ARG, VOLUME
    ("FROM a\nEXPOSE 80/icmp\n", .invalidProtocol("icmp")),
    ("FROM a\nEXPOSE 99999\n", .invalidPort("99999")),
    ("FROM a\nSHELL /bin/sh -c\n", .notJSON("SHELL")),
    ("FROM a\nUSER\n", .exactlyOneArgument("USER")),
    ("FROM a\nARG =x\n", .blankNames("ARG")),
    ("FROM a\nVOLUME [\"\"]\n", .emptyVolume),
    // COPY and ADD
    ("FROM a\nCOPY onlyone\n", .noDestination("COPY")),
    ("FROM a\nCOPY a <<EOF\nx\nEOF\n", .heredocAsDestination("COPY")),
    ("FROM a\nADD --from=x a b\n", .unknownFlag("--from", suggestion: nil)),
    // ONBUILD
    ("FROM a\nONBUILD ONBUILD RUN x\n", .onbuildChaining),
    ("FROM a\nONBUILD FROM x\n", .onbuildTriggerNotAllowed("FROM")),
    ("FROM a\nonbuild maintainer x\n", .onbuildTriggerNotAllowed("MAINTAINER")),
    ("FROM a\nONBUILD\n", .atLeastOneArgument("ONBUILD")),
    // HEALTHCHECK
    ("FROM a\nHEALTHCHECK NONE x\n", .healthcheckNoneArguments),
    ("FROM a\nHEALTHCHECK CMD\n", .healthcheckMissingCommand),
    ("FROM a\nHEALTHCHECK CONNECT TCP 7000\n", .healthcheckUnknownType("CONNECT")),
    ("FROM a\nHEALTHCHECK --interval=1us CMD x\n", .durationTooShort(flag: "interval")),
    ("FROM a\nHEALTHCHECK --timeout=soon CMD x\n", .invalidDuration(flag: "timeout", value: "soon")),
    ("FROM a\nHEALTHCHECK --retries=-1 CMD x\n", .invalidRetries("-1")),
  ]

  @Test(arguments: refusals)
  func refused(_ text: String, _ expected: DockerfileError.Reason) {
    #expect(reason(text)?.reason == expected)
  }

  @Test func errorsNameLineInstructionAndReason() {
    let e = reason("FROM a\nRUN x\n\n\n\n\nENV =x\n")
    #expect(e?.description == "line 7: ENV names can not be blank")
    #expect(e?.instruction == "ENV")
    let u = reason("FROM a\n\nRUNN make\n")
    #expect(u?.description == "line 3: unknown instruction: RUNN (did you mean RUN?)")
    #expect(reason("FROM a\nexpse 80\n")?.description == "line 2: unknown instruction: expse (did you mean EXPOSE?)")
    #expect(reason("FROM a\nMAINTAINER --boo joe\n")?.description == "line 2: unknown flag: --boo")
    for keyword in ["MAINTAINER", "WORKDIR", "USER", "STOPSIGNAL"] {
      #expect(reason("FROM a\n\(keyword)\n")?.reason == .exactlyOneArgument(keyword))
    }
    for keyword in ["ENV", "LABEL", "ONBUILD", "HEALTHCHECK", "EXPOSE", "VOLUME", "ARG", "SHELL"] {
      #expect(reason("FROM a\n\(keyword)\n")?.reason == .atLeastOneArgument(keyword))
    }
  }

  @Test func unknownAndMalformedFlagsAreRejected() {
    #expect(reason("FROM a\nRUN --network=bridge x\n") != nil)
    #expect(reason("FROM a\nRUN --mount=type=nfs,target=/x x\n") != nil)
    #expect(reason("FROM a\nRUN --mount=type=cache x\n") != nil)
    #expect(reason("FROM a\nRUN --mount=type=bind,target=/x,mode=0700 x\n") != nil)
    #expect(reason("FROM a\nRUN --mount=type=secret,id=a,sharing=locked x\n") != nil)
    #expect(reason("FROM a\nRUN --mount=from=$X,target=/x x\n") != nil)
  }

  @Test func fromAndStages() throws {
    let f = try Dockerfile(
      parsing:
        "ARG V=1\nFROM --platform=$BUILDPLATFORM golang:$V AS Build\nRUN x\nFROM scratch\nCOPY --from=build /a /b\n")
    #expect(f.globalArgs.map(\.value) == [[ArgDeclaration(name: "V", defaultValue: "1")]])
    #expect(f.stages.count == 2)
    #expect(f.stages[0].from.value == From(image: "golang:$V", name: "build", platform: "$BUILDPLATFORM"))
    #expect(f.stages[1].index == 1 && f.stages[1].name == nil)
    #expect(f.stage(named: "BUILD")?.index == 0)
    #expect(f.stage(named: "1")?.baseImage == "scratch")
    #expect(f.stages[0].instructions[0].range == SourceRange(start: 3, end: 3))
    let deps = try Dockerfile(
      parsing: "FROM golang AS build\nFROM build AS test\nFROM scratch\nCOPY --from=build /a /a\n"
        + "RUN --mount=type=bind,from=test,target=/t --mount=type=cache,target=/c x\nCOPY --from=0 /b /b\n"
        + "COPY --from=nginx:latest /c /c\n")
    #expect(deps.dependencies(of: deps.stages[0]) == [])
    #expect(deps.dependencies(of: deps.stages[1]) == [0])
    #expect(deps.dependencies(of: deps.stages[2]) == [0, 1])
  }

  @Test func runCmdEntrypoint() throws {
    let i = try instructions(
      "RUN --mount=type=cache,target=/root/.cache,id=go,sharing=locked --network=none --security=insecure go build\n"
        + "RUN [\"/bin/true\"]\nCMD echo hi\nENTRYPOINT [\"/e\", \"-x\"]\n"
        + "RUN --mount=type=secret,id=tok,env=TOKEN --mount=type=tmpfs,target=/t,size=64m x\n")
    guard case .run(let r) = i[0] else { throw Unexpected() }
    #expect(r.command == .shell("go build"))
    #expect(r.network == RunNetwork.none && r.security == .insecure)
    #expect(r.mounts.count == 1)
    #expect(r.mounts[0].type == .cache && r.mounts[0].target == "/root/.cache" && r.mounts[0].id == "go")
    #expect(r.mounts[0].sharing == .locked && !r.mounts[0].readOnly)
    #expect(i[1] == .run(Run(command: .exec(["/bin/true"]))))
    #expect(i[2] == .cmd(.shell("echo hi")))
    #expect(i[3] == .entrypoint(.exec(["/e", "-x"])))
    guard case .run(let m) = i[4] else { throw Unexpected() }
    #expect(m.mounts.map(\.type) == [.secret, .tmpfs])
    #expect(m.mounts[0].env == "TOKEN" && m.mounts[0].readOnly)
    #expect(m.mounts[1].size == Int64(67_108_864))
  }

  @Test func runHeredocScripts() throws {
    let i = try instructions("RUN <<EOF\nset -e\necho a\nEOF\nRUN python3 <<PY\nprint(1)\nPY\n")
    guard case .run(let a) = i[0], case .run(let b) = i[1] else { throw Unexpected() }
    #expect(a.shellScript == "set -e\necho a\n")
    #expect(b.shellScript == "python3 <<PY\nprint(1)\nPY")
  }

  @Test func envLabelArgUserMisc() throws {
    let i = try instructions(
      "ENV a=1 b=\"two words\"\nENV legacy value with spaces\nLABEL k=v \"x.y\"=z\nLABEL old style\n"
        + "ARG A B=2 C=\nUSER app:staff\nUSER 1000\nWORKDIR /w\nSTOPSIGNAL SIGTERM\nMAINTAINER me\n"
        + "VOLUME [\"/a\", \"/b\"]\nVOLUME /c /d\nSHELL [\"/bin/bash\", \"-c\"]\nEXPOSE 80 80/tcp 53/udp 8000-8010/TCP\n"
    )
    #expect(i[0] == .env([KeyValue(key: "a", value: "1"), KeyValue(key: "b", value: "\"two words\"")]))
    #expect(i[1] == .env([KeyValue(key: "legacy", value: "value with spaces", legacy: true)]))
    #expect(i[2] == .label([KeyValue(key: "k", value: "v"), KeyValue(key: "\"x.y\"", value: "z")]))
    #expect(i[3] == .label([KeyValue(key: "old", value: "style", legacy: true)]))
    #expect(
      i[4]
        == .arg([
          ArgDeclaration(name: "A"), ArgDeclaration(name: "B", defaultValue: "2"),
          ArgDeclaration(name: "C", defaultValue: ""),
        ]))
    #expect(i[5] == .user(User(user: "app", group: "staff")))
    #expect(i[6] == .user(User(user: "1000")))
    #expect(i[7] == .workdir("/w"))
    #expect(i[8] == .stopSignal("SIGTERM"))
    #expect(i[9] == .maintainer("me"))
    #expect(i[10] == .volume(["/a", "/b"]))
    #expect(i[11] == .volume(["/c", "/d"]))
    #expect(i[12] == .shell(["/bin/bash", "-c"]))
    #expect(i[13] == .expose(["80", "80/tcp", "53/udp", "8000-8010/TCP"]))
    #expect(try PortSpec(parsing: "8000-8010/TCP") == PortSpec(start: 8000, end: 8010, proto: "tcp"))
    #expect(try PortSpec(parsing: "53/udp").description == "53/udp")
  }

  @Test func copyAndAdd() throws {
    let i = try instructions(
      "COPY --from=build --chown=1:1 --chmod=0755 --link --parents --exclude=*.md --exclude=.git a b /dst/\n"
        + "ADD --checksum=sha256:abc --keep-git-dir --unpack=false https://x/y.tgz /\n"
        + "COPY <<EOF /etc/motd\nhello\nEOF\nCOPY [\"a b\", \"/c d\"]\n")
    #expect(
      i[0]
        == .copy(
          Copy(
            sources: [.path("a"), .path("b")], destination: "/dst/", from: "build", chown: "1:1", chmod: "0755",
            link: true, parents: true, excludes: ["*.md", ".git"])))
    #expect(
      i[1]
        == .add(
          Add(
            sources: [.path("https://x/y.tgz")], destination: "/", keepGitDir: true, checksum: "sha256:abc",
            unpack: false)))
    #expect(
      i[2] == .copy(Copy(sources: [.heredoc(Heredoc(name: "EOF", content: "hello\n"))], destination: "/etc/motd")))
    #expect(i[3] == .copy(Copy(sources: [.path("a b")], destination: "/c d")))
  }

  @Test func onbuild() throws {
    let i = try instructions("ONBUILD RUN make\nONBUILD COPY . /src\n")
    #expect(i[0] == .onbuild(Onbuild(expression: "RUN make", trigger: .run(Run(command: .shell("make"))))))
    guard case .onbuild(let o) = i[1] else { throw Unexpected() }
    #expect(o.expression == "COPY . /src")
  }

  @Test func healthcheck() throws {
    let i = try instructions(
      "HEALTHCHECK NONE\nHEALTHCHECK --interval=1m30s --timeout=3s --start-period=0s --start-interval=500ms "
        + "--retries=3 CMD curl -f http://localhost/\nHEALTHCHECK CMD [\"/check\"]\n")
    #expect(i[0] == .healthcheck(.none))
    #expect(
      i[1]
        == .healthcheck(
          .command(
            .shell("curl -f http://localhost/"),
            HealthcheckOptions(
              interval: .seconds(90), timeout: .seconds(3), startPeriod: .zero, startInterval: .milliseconds(500),
              retries: 3))))
    #expect(i[2] == .healthcheck(.command(.exec(["/check"]), HealthcheckOptions())))
    #expect(reason("FROM a\nHEALTHCHECK --interval=9223372036854775807ns CMD x\n") != nil)
    #expect(reason("FROM a\nHEALTHCHECK --interval=99999999999h CMD x\n") != nil)
    #expect(reason("FROM a\nHEALTHCHECK --foo=1 CMD x\n") != nil)
  }

  @Test func dockerfileAstCheckAcceptsConformanceFiles() throws {
    // Files BuildKit's instructions layer accepts type-check here too.
    for c in ConformanceData.parserCases("testfiles")
    where ["brimstone-docker-consul", "docker", "influxdb", "mumble", "nginx", "weechat", "env", "escapes"]
      .contains(c.name)
    {
      let text = try String(contentsOf: c.dockerfile, encoding: .utf8)
      #expect(throws: Never.self, "\(c.name)") { _ = try Dockerfile(parsing: text) }
    }
  }
}

struct Unexpected: Error {}

@Suite struct RunHeredocTests {
  @Test func shebangBodiesRunAsScriptFiles() throws {
    let f = try Dockerfile(
      parsing: "FROM a\nRUN <<EOF\n#!/usr/bin/env python3\nprint(1)\nEOF\nRUN <<EOF\necho hi\nEOF\n")
    guard case .run(let py) = f.stages[0].instructions[0].value, case .run(let sh) = f.stages[0].instructions[1].value
    else { throw Unexpected() }
    #expect(py.scriptFile?.content == "#!/usr/bin/env python3\nprint(1)\n")
    #expect(sh.scriptFile == nil && sh.shellScript == "echo hi\n")
  }
}
