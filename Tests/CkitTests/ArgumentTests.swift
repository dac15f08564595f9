import ArgumentParser
import ContainerEngine
import ContainerNetwork
import Foundation
import Testing

@testable import ckit

@Suite struct ArgumentTests {
  @Test func containerCommandStopsAtTheImage() {
    #expect(
      ArgumentRewriter.rewrite(["run", "-d", "-p", "8888:80", "busybox", "sh", "-c", "echo -n x"]) == [
        "run", "-d", "-p", "8888:80", "--", "busybox", "sh", "-c", "echo -n x",
      ])
    #expect(
      ArgumentRewriter.rewrite(["--root", "/tmp/r", "run", "--rm", "-it", "-e", "A=1", "img", "ls", "-l"]) == [
        "--root", "/tmp/r", "run", "--rm", "-it", "-e", "A=1", "--", "img", "ls", "-l",
      ])
    #expect(
      ArgumentRewriter.rewrite(["run", "--name=web", "-p8080:80", "img"]) == [
        "run", "--name=web", "-p8080:80", "--", "img",
      ])
    #expect(ArgumentRewriter.rewrite(["exec", "-it", "web", "sh"]) == ["exec", "-it", "--", "web", "sh"])
    #expect(ArgumentRewriter.rewrite(["ps", "-n=2"]) == ["ps", "-n", "2"])
  }

  @Test func parsesRunWithEveryFlag() throws {
    let args = ArgumentRewriter.rewrite([
      "run", "-d", "--rm", "-i", "-t", "-e", "A=1", "-w", "/tmp", "-u", "nobody", "--name", "web", "--hostname", "h",
      "-m", "32m", "--cpus", "1.5", "--cpu-shares", "512", "--pids-limit", "64", "-p", "8888:80", "-P", "--expose",
      "9000", "-v", "/srv:/srv:ro", "--tmpfs", "/run", "--read-only", "--network", "bridge", "--entrypoint", "/bin/sh",
      "--init", "--restart", "no", "--cap-add", "NET_ADMIN", "--cap-drop", "MKNOD", "--privileged",
      "busybox", "-c", "echo hi",
    ])
    let command = try Ckit.parseAsRoot(args)
    let run = try #require(command as? Run)
    #expect(run.detach && run.rm)
    #expect(run.imageAndCommand == ["busybox", "-c", "echo hi"])
    let r = try run.options.spec(image: "busybox", command: ["-c", "echo hi"], autoRemove: true)
      .record(id: ContainerStore.newID(), imageID: "sha256:x", defaults: ImageDefaults(cmd: ["sh"]))
    #expect(r.name == "web")
    #expect(r.config.entrypoint == ["/bin/sh"])
    #expect(r.config.cmd == ["-c", "echo hi"])
    #expect(r.hostConfig.memory == 32 << 20)
    #expect(r.hostConfig.nanoCPUs == 1_500_000_000)
    #expect(r.hostConfig.portBindings == [PortMapping(hostPort: 8888, containerPort: 80)])
    #expect(r.config.exposedPorts == ["80/tcp", "9000/tcp"])
    #expect(r.config.env.contains("A=1"))
    #expect(r.config.env.contains { $0.hasPrefix("PATH=") })
    #expect(r.config.tty && r.config.openStdin)
    #expect(r.hostConfig.readonlyRootfs && r.hostConfig.privileged && r.hostConfig.initProcess)
  }

  @Test func badInputIsRejectedBeforeAnythingIsCreated() throws {
    func record(_ extra: [String]) throws -> ContainerRecord {
      let run = try #require(try Ckit.parseAsRoot(ArgumentRewriter.rewrite(["run"] + extra + ["busybox"])) as? Run)
      return try run.options.spec(image: "busybox", command: [], autoRemove: false)
        .record(id: ContainerStore.newID(), imageID: "sha256:x", defaults: ImageDefaults(cmd: ["sh"]))
    }
    #expect(throws: NetworkError.invalidPortSpec("8888:http", reason: "Invalid containerPort: http")) {
      try record(["-p", "8888:http"])
    }
    #expect(throws: NetworkError.invalidNetworkMode("overlay")) { try record(["--network", "overlay"]) }
    #expect(throws: CkitError.self) { try record(["--restart", "sometimes"]) }
    #expect(throws: CkitError.invalidArgument("Minimum memory limit allowed is 6MB")) { try record(["-m", "1m"]) }
    #expect(throws: CkitError.invalidName("-bad")) { try record(["--name=-bad"]) }
    #expect(throws: CkitError.self) { try record(["-v", "relative/path:/x"]) }
    #expect(throws: CkitError.self) { try record(["--cpus", "zero"]) }
  }

  @Test func psFlagsInDockersSpellings() throws {
    let ps = try #require(
      try Ckit.parseAsRoot(ArgumentRewriter.rewrite(["ps", "-n=2", "--no-trunc", "-f", "status=exited"])) as? Ps)
    #expect(ps.last == 2 && ps.noTrunc && ps.filter == ["status=exited"])
    let store = ContainerStore(root: StateRoot("/nonexistent"))
    #expect(throws: CkitError.invalidArgument("invalid filter 'colour'")) {
      try ContainerFilter(["colour": ["red"]], store: store)
    }
    #expect(throws: CkitError.invalidArgument("invalid filter 'status=sleeping'")) {
      try ContainerFilter(["status": ["sleeping"]], store: store)
    }
  }

  @Test func everyCommandParses() throws {
    let lines: [[String]] = [
      ["pull", "-q", "busybox"], ["images", "-a", "-q", "--digests"], ["create", "--name", "x", "busybox"],
      ["start", "-a", "-i", "x"], ["ps", "-a", "-q", "-l"], ["attach", "x"],
      ["logs", "-f", "--tail", "5", "-t", "--since", "10m", "x"],
      ["stop", "-t", "3", "x"], ["restart", "x"], ["kill", "-s", "TERM", "x"], ["rm", "-f", "-v", "x"],
      ["rmi", "busybox"],
      ["pause", "x"], ["unpause", "x"], ["commit", "-m", "msg", "-a", "me", "-c", "CMD [\"sh\"]", "-p", "x", "me/img"],
      ["exec", "-i", "-t", "-e", "A=1", "-u", "root", "-w", "/", "x", "sh"], ["inspect", "x"], ["port", "x", "80/tcp"],
      ["top", "x"], ["stats", "--no-stream"], ["cp", "x:/etc/passwd", "/tmp/p"], ["diff", "x"], ["tag", "a", "b"],
      ["push", "me/img"], ["login", "-u", "u", "-p", "p", "127.0.0.1:5000"], ["logout", "127.0.0.1:5000"],
      ["search", "busybox"], ["build", "-t", "me/x", "."], ["save", "-o", "/tmp/x.tar", "busybox"],
      ["load", "-i", "/tmp/x.tar"], ["export", "-o", "/tmp/x.tar", "x"], ["import", "/tmp/x.tar", "me/x"],
      ["volume", "create", "v"], ["volume", "ls"], ["volume", "rm", "v"], ["system", "prune", "-f"], ["system", "df"],
      ["version"], ["info"], ["wait", "x"],
    ]
    for l in lines {
      #expect(throws: Never.self, "\(l)") { _ = try Ckit.parseAsRoot(ArgumentRewriter.rewrite(l)) }
    }
  }
}
