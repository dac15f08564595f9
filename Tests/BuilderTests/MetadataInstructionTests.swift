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
    let c = try apply([.env([KeyValue("A", "1"), KeyValue("B", "2")]), .env([KeyValue("A", "3=x")])])
    #expect(c.config?.env == ["A=3=x", "B=2"])
  }

  @Test func labelsMaintainerExposeVolumeUserStopSignal() throws {
    let c = try apply([
      .label([KeyValue("a", "1")]), .label([KeyValue("a", "2"), KeyValue("b", "x y")]), .maintainer("Jane <j@x>"),
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

  @Test func healthcheckFormsAndDurations() throws {
    let h = try apply([
      .healthcheck(
        .command(
          .shell("curl -f localhost"),
          options: [
            KeyValue("interval", "30s"), KeyValue("timeout", "1m30s"), KeyValue("retries", "3"),
            KeyValue("start-period", "500ms"),
          ]))
    ]).config?.healthcheck
    #expect(h?.test == ["CMD-SHELL", "curl -f localhost"])
    #expect(h?.interval == 30_000_000_000)
    #expect(h?.timeout == 90_000_000_000)
    #expect(h?.startPeriod == 500_000_000)
    #expect(h?.retries == 3)
    #expect(try apply([.healthcheck(.none)]).config?.healthcheck?.test == ["NONE"])
    #expect(
      try apply([.healthcheck(.command(.exec(["/bin/check", "-q"]), options: []))]).config?.healthcheck?.test
        == ["CMD", "/bin/check", "-q"])
    #expect(throws: BuildError.self) {
      try apply([.healthcheck(.command(.shell("x"), options: [KeyValue("interval", "soon")]))])
    }
  }

  @Test func onBuildStoresTriggersAndRefusesForbiddenOnes() throws {
    let c = try apply([.onBuild("RUN echo hi"), .onBuild("COPY . /app")])
    #expect(c.config?.onBuild == ["RUN echo hi", "COPY . /app"])
    #expect(throws: BuildError.self) { try apply([.onBuild("ONBUILD RUN x")]) }
    #expect(throws: BuildError.self) { try apply([.onBuild("FROM busybox")]) }
  }

  @Test func historyTextIsTheClassicBuildersComment() {
    #expect(MetadataInstruction.env([KeyValue("A", "1")]).historyText == "ENV A=1")
    #expect(MetadataInstruction.cmd(.exec(["nginx", "-g"])).historyText == "CMD [\"nginx\" \"-g\"]")
    #expect(MetadataInstruction.expose(["80"]).historyText == "EXPOSE 80")
  }
}
