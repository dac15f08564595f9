import DockerfileParser
import OCI
import Testing

@testable import Builder

@Suite("Image config effect of metadata instructions")
struct MetadataInstructionTests {
  func apply(_ list: [MetadataInstruction], to start: ImageConfiguration = ImageConfiguration()) throws
    -> ImageConfiguration
  {
    var c = start
    var cmdSet = false
    for i in list {
      c = try i.applied(to: c, cmdSetInStage: cmdSet)
      if case .cmd = i { cmdSet = true }
    }
    return c
  }

  @Test func envReplacesInPlaceAndAppends() throws {
    let c = try apply([
      .env([KeyValue(key: "A", value: "1"), KeyValue(key: "B", value: "2")]), .env([KeyValue(key: "A", value: "3=x")]),
    ])
    #expect(c.config?.env == ["A=3=x", "B=2"])
  }

  @Test func labelsMaintainerExposeVolumeUserStopSignal() throws {
    let c = try apply([
      .label([KeyValue(key: "a", value: "1")]),
      .label([KeyValue(key: "a", value: "2"), KeyValue(key: "b", value: "x y")]), .maintainer("Jane <j@x>"),
      .expose(["80", "53/UDP", "8000-8002"]), .volume(["/data", "/logs"]), .user("www:www"), .stopSignal("SIGQUIT"),
    ])
    #expect(c.config?.labels == ["a": "2", "b": "x y"])
    #expect(c.author == "Jane <j@x>")
    #expect(
      c.config?.exposedPorts.map { $0.keys.sorted() } == ["53/udp", "80/tcp", "8000/tcp", "8001/tcp", "8002/tcp"])
    #expect(c.config?.volumes.map { $0.keys.sorted() } == ["/data", "/logs"])
    #expect(c.config?.user == "www:www")
    #expect(c.config?.stopSignal == "SIGQUIT")
    #expect(throws: BuildError.self) { try apply([.expose(["http"])]) }
    #expect(throws: BuildError.self) { try apply([.expose(["70000"])]) }
    #expect(throws: BuildError.self) { try apply([.stopSignal("SIGNOPE")]) }
    #expect(try apply([.stopSignal("9")]).config?.stopSignal == "9")
    #expect(try apply([.stopSignal("RTMIN+3")]).config?.stopSignal == "RTMIN+3")
  }

  @Test func cmdShellFormUsesShell() throws {
    #expect(try apply([.cmd(.shell("nginx -g x"))]).config?.cmd == ["/bin/sh", "-c", "nginx -g x"])
    #expect(try apply([.shell(["/bin/bash", "-ec"]), .cmd(.shell("x"))]).config?.cmd == ["/bin/bash", "-ec", "x"])
    #expect(try apply([.cmd(.exec(["a", "b"]))]).config?.cmd == ["a", "b"])
  }

  @Test func entrypointResetsOnlyAnInheritedCmd() throws {
    var base = ImageConfiguration()
    base.config = ImageConfiguration.ContainerConfig()
    base.config?.cmd = ["sh"]
    // Inherited CMD: reset.
    let inherited = try apply([.entrypoint(.exec(["/app"]))], to: base)
    #expect(inherited.config?.entrypoint == ["/app"])
    #expect(inherited.config?.cmd == nil)
    // CMD set earlier in the same stage: kept.
    let same = try apply([.cmd(.exec(["--help"])), .entrypoint(.exec(["/app"]))], to: base)
    #expect(same.config?.cmd == ["--help"])
    // CMD after ENTRYPOINT: the pair.
    let after = try apply([.entrypoint(.shell("/app run")), .cmd(.exec(["x"]))], to: base)
    #expect(after.config?.entrypoint == ["/bin/sh", "-c", "/app run"])
    #expect(after.config?.cmd == ["x"])
  }

  @Test func workdirJoinsAndCleans() throws {
    #expect(try apply([.workdir("/a"), .workdir("b"), .workdir("../c")]).config?.workingDir == "/a/c")
    #expect(try apply([.workdir("rel")]).config?.workingDir == "/rel")
  }

  /// HEALTHCHECK as the parser types it, applied to a config.
  private func healthcheck(_ line: String) throws -> ImageConfiguration.Healthcheck? {
    let stage = try Dockerfile(parsing: "FROM scratch\n" + line).stages[0]
    guard case .healthcheck(let h) = stage.instructions[0].value else { return nil }
    return try apply([.healthcheck(h)]).config?.healthcheck
  }

  @Test func healthcheckFormsAndDurations() throws {
    let h = try healthcheck(
      "HEALTHCHECK --interval=30s --timeout=1m30s --retries=3 --start-period=500ms CMD curl -f localhost")
    #expect(h?.test == ["CMD-SHELL", "curl -f localhost"])
    #expect(h?.interval == 30_000_000_000)
    #expect(h?.timeout == 90_000_000_000)
    #expect(h?.startPeriod == 500_000_000)
    #expect(h?.startInterval == nil)
    #expect(h?.retries == 3)
    #expect(try healthcheck("HEALTHCHECK NONE")?.test == ["NONE"])
    #expect(try healthcheck(#"HEALTHCHECK CMD ["/bin/check", "-q"]"#)?.test == ["CMD", "/bin/check", "-q"])
    #expect(throws: DockerfileError.self) { try healthcheck("HEALTHCHECK --interval=soon CMD x") }
  }

  @Test func onBuildStoresTriggersAndRefusesForbiddenOnes() throws {
    let c = try apply([.onBuild("RUN echo hi"), .onBuild("COPY . /app")])
    #expect(c.config?.onBuild == ["RUN echo hi", "COPY . /app"])
    #expect(throws: BuildError.self) { try apply([.onBuild("ONBUILD RUN x")]) }
    #expect(throws: BuildError.self) { try apply([.onBuild("FROM busybox")]) }
  }

  @Test func historyTextIsTheClassicBuildersComment() {
    #expect(MetadataInstruction.env([KeyValue(key: "A", value: "1")]).historyText == "ENV A=1")
    #expect(MetadataInstruction.cmd(.exec(["nginx", "-g"])).historyText == "CMD [\"nginx\" \"-g\"]")
    #expect(MetadataInstruction.expose(["80"]).historyText == "EXPOSE 80")
  }
}
