import ContainerEngine
import ContainerNetwork
import Foundation
import TestSupport
import Testing

/// The container lifecycle through `ContainerEngine`'s public API only, on the real kernel: create, start,
/// inspect, list with docker's filters, pause, wait conditions, rename, update, archives and ports.
@Suite(.enabled(if: isRoot, "requires root"))
struct ContainerAPITests {
  @Test func createStartAndInspectHaveDockersFields() async throws {
    try await withEngine { engine, image in
      let spec = ContainerSpec(
        image: image, command: ["sleep", "3600"], name: "api-inspect", environment: ["GREETING=hi"],
        workingDirectory: "/tmp", hostname: "box", network: .none, exposedPorts: ["9000"], memoryLimit: 64 << 20,
        pidsLimit: 50, volumes: ["/data"], tmpfs: ["/scratch:size=1m"], stopSignal: "SIGINT",
        labels: ["app": "api"])
      let id = try await engine.create(spec)
      let created = try await engine.inspect("api-inspect")
      #expect(created.id == id)
      #expect(created.name == "/api-inspect")
      #expect(created.state.status == .created)
      #expect(!created.state.running && created.state.pid == 0 && created.state.startedAt == nil)
      #expect(created.path == "sleep" && created.args == ["3600"])
      #expect(created.image.hasPrefix("sha256:"))
      #expect(created.config.image == image)
      #expect(created.config.env.contains("GREETING=hi") && created.config.env.contains { $0.hasPrefix("PATH=") })
      #expect(created.config.workingDir == "/tmp" && created.config.hostname == "box")
      #expect(created.config.exposedPorts == ["9000/tcp"])
      #expect(created.config.labels["app"] == "api")
      #expect(created.config.stopSignal == "SIGINT")
      #expect(created.hostConfig.memory == 64 << 20 && created.hostConfig.pidsLimit == 50)
      #expect(created.hostConfig.networkMode == .none)
      #expect(created.mounts.map(\.type) == ["volume", "tmpfs"])
      #expect(created.mounts.first?.destination == "/data")

      try await engine.start(id)
      let running = try await engine.inspect(id)
      #expect(running.state.status == .running && running.state.running)
      #expect(running.state.pid > 0 && kill(running.state.pid, 0) == 0)
      #expect(running.state.startedAt != nil && running.state.finishedAt == nil)
      // The anonymous volume is the one inspect names, and a restart keeps it.
      let volume = try #require(running.mounts.first?.source)
      #expect(FileManager.default.fileExists(atPath: volume))
      try await engine.restart(id, timeout: 0)
      #expect(try await engine.inspect(id).mounts.first?.source == volume)
      try await engine.kill(id, signal: "KILL")
      let killed = try await engine.inspect(id)
      #expect(killed.state.status == .exited && killed.state.exitCode == 137)
      try await engine.remove(id, volumes: true)
      #expect(!FileManager.default.fileExists(atPath: volume))
      await #expect(throws: EngineError.invalidArgument("Invalid signal: NOPE")) {
        try await engine.kill("x", signal: "NOPE")
      }
    }
  }

  @Test func badSpecsAreRefusedBeforeAnythingIsMade() async throws {
    try await withEngine { engine, image in
      await #expect(throws: EngineError.invalidArgument("Minimum memory limit allowed is 6MB")) {
        try await engine.create(ContainerSpec(image: "no-such-image-pulled", memoryLimit: 1 << 20))
      }
      await #expect(throws: EngineError.invalidArgument("Conflicting options: --restart and --rm")) {
        try await engine.create(
          ContainerSpec(image: image, restartPolicy: try RestartPolicy("always"), autoRemove: true))
      }
      await #expect(throws: EngineError.invalidArgument("invalid volume specification: 'rel:x'")) {
        try await engine.create(ContainerSpec(image: image, volumes: ["rel:x"]))
      }
      await #expect(throws: EngineError.invalidArgument("unknown capability: \"CAP_NOPE\"")) {
        try await engine.create(ContainerSpec(image: image, capAdd: ["NOPE"]))
      }
      let made = try await engine.list()
      #expect(made.isEmpty)
    }
  }

  @Test func listFiltersAsDocker() async throws {
    try await withEngine { engine, image in
      let exited = try await engine.run(
        ContainerSpec(
          image: image, command: ["sh", "-c", "exit 3"], name: "f-exited", network: .none,
          labels: ["tier": "db"]))
      #expect(try await engine.wait(exited) == 3)
      let running = try await engine.run(
        ContainerSpec(
          image: image, command: ["sleep", "3600"], name: "f-running", network: .none,
          labels: ["tier": "web"]))
      let created = try await engine.create(ContainerSpec(image: image, name: "f-created", network: .none))

      func ids(all: Bool = true, _ filters: [String: [String]] = [:], limit: Int? = nil) async throws -> [String] {
        try await engine.list(all: all, filters: filters, limit: limit).map(\.id)
      }
      #expect(try await ids() == [created, running, exited])
      #expect(try await ids(all: false) == [running])
      #expect(try await ids(all: false, ["status": ["exited"]]) == [exited])
      #expect(try await ids(["status": ["exited", "created"]]) == [created, exited])
      #expect(try await ids(["exited": ["3"]]) == [exited])
      #expect(try await ids(["exited": ["0"]]).isEmpty)
      #expect(try await ids(["label": ["tier"]]) == [running, exited])
      #expect(try await ids(["label": ["tier=web"]]) == [running])
      #expect(try await ids(["label": ["tier"], "name": ["f-exited"]]) == [exited])
      #expect(try await ids(["id": [String(running.prefix(10))]]) == [running])
      #expect(try await ids(["ancestor": [image]]).count == 3)
      #expect(try await ids(["before": ["f-running"]]) == [exited])
      #expect(try await ids(["since": ["f-running"]]) == [created])
      #expect(try await ids(limit: 1) == [created])
      let row = try #require(try await engine.list(filters: ["name": ["f-running"]]).first)
      #expect(row.state == .running && row.command == ["sleep", "3600"] && row.labels["tier"] == "web")
      await #expect(throws: EngineError.invalidArgument("invalid filter 'colour'")) {
        _ = try await engine.list(filters: ["colour": ["red"]])
      }
      await #expect(throws: EngineError.invalidArgument("invalid filter 'status=sleeping'")) {
        _ = try await engine.list(filters: ["status": ["sleeping"]])
      }
    }
  }

  @Test func pauseFreezesTheProcessesAndUnpauseThawsThem() async throws {
    try await withEngine { engine, image in
      let id = try await engine.run(
        .shell(image, "while :; do echo tick; sleep 0.05; done"))
      let pid = try await engine.inspect(id).state.pid
      #expect(try await eventually { try await engine.logs(id).count >= 2 })
      try await engine.pause(id)
      #expect(try await engine.inspect(id).state.status == .paused)
      #expect(try await engine.inspect(id).state.paused)
      #expect(try await engine.list(filters: ["status": ["paused"]]).map(\.id) == [id])
      #expect(Self.frozen(pid), "the container's cgroup is not frozen")
      let ticks = try await engine.logs(id).count
      try await Task.sleep(for: .milliseconds(400))
      #expect(try await engine.logs(id).count == ticks, "a paused container went on writing")
      await #expect(throws: EngineError.invalidArgument("Container \(id) is already paused")) {
        try await engine.pause(id)
      }
      try await engine.unpause(id)
      #expect(!Self.frozen(pid))
      #expect(try await engine.inspect(id).state.status == .running)
      #expect(try await eventually { try await engine.logs(id).count > ticks })
      await #expect(throws: EngineError.invalidArgument("Container \(id) is not paused")) {
        try await engine.unpause(id)
      }
      // A paused container stops (thawed first, so that its processes can take the signal), and starts thawed.
      try await engine.pause(id)
      try await engine.stop(id, timeout: 5)
      #expect(try await engine.inspect(id).state.status == .exited)
      await #expect(throws: EngineError.containerNotRunning(id)) { try await engine.pause(id) }
      try await engine.start(id)
      #expect(try await engine.inspect(id).state.status == .running)
      try await engine.pause(id)
      try await engine.kill(id)
      #expect(try await engine.inspect(id).state.status == .exited)
    }
  }

  /// Whether `pid`'s cgroup is frozen, as the host's files say (the v1 freezer's state, v2's `cgroup.events`).
  static func frozen(_ pid: Int32) -> Bool {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8) else { return false }
    for line in text.split(separator: "\n") {
      let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
      guard parts.count == 3 else { continue }
      if parts[1].split(separator: ",").contains("freezer") {
        let state = try? String(contentsOfFile: "/sys/fs/cgroup/freezer\(parts[2])/freezer.state", encoding: .utf8)
        return state?.hasPrefix("FROZEN") == true
      }
      if parts[0] == "0", parts[1].isEmpty,
        let events = try? String(contentsOfFile: "/sys/fs/cgroup\(parts[2])/cgroup.events", encoding: .utf8),
        !text.contains("freezer")
      {
        return events.contains("frozen 1")
      }
    }
    return false
  }

  @Test func waitConditions() async throws {
    try await withEngine { engine, image in
      // next-exit: a run's exit, while the restart policy keeps the container going. Each run ends only through
      // the gate, opened while a waiter is out: a waiter that starts after a run ended (a loaded machine) sees the
      // next one end, where runs that end on a timer could all be over before it starts, and it would wait forever.
      let gate = NSTemporaryDirectory() + "ckit-gate-\(UUID().uuidString)"
      try FileManager.default.createDirectory(atPath: gate, withIntermediateDirectories: true)
      defer { try? FileManager.default.removeItem(atPath: gate) }
      let gated = try await engine.run(
        ContainerSpec(
          image: image, command: ["sh", "-c", "while [ ! -e /gate/open ]; do sleep 0.05; done; rm /gate/open; exit 3"],
          network: .none, restartPolicy: try RestartPolicy("on-failure"), volumes: ["\(gate):/gate"]))
      #expect(try await Self.throughGate(gate + "/open") { try await engine.wait(gated, condition: .nextExit) } == 3)
      #expect(try await Self.throughGate(gate + "/open") { try await engine.wait(gated, condition: .nextExit) } == 3)
      #expect(try await engine.inspect(gated).restartCount >= 1)
      try await engine.stop(gated, timeout: 0)

      // not-running: after the restart policy's last restart.
      let restarting = try await engine.run(
        ContainerSpec(
          image: image, command: ["sh", "-c", "exit 3"], network: .none,
          restartPolicy: try RestartPolicy("on-failure:2")))
      #expect(try await engine.wait(restarting, condition: .notRunning) == 3)
      #expect(try await engine.inspect(restarting).restartCount == 2)

      // removed: an autoRemove container, gone once the wait returns.
      let gone = try await engine.run(
        ContainerSpec(image: image, command: ["sh", "-c", "sleep 0.2; exit 4"], network: .none, autoRemove: true))
      #expect(try await engine.wait(gone, condition: .removed) == 4)
      await #expect(throws: EngineError.noSuchContainer(gone)) { try await engine.inspect(gone) }

      // A restart is no end: an autoRemove container is kept for its next run.
      let kept0 = try await engine.run(
        ContainerSpec(image: image, command: ["sleep", "3600"], network: .none, autoRemove: true))
      try await engine.restart(kept0, timeout: 0)
      #expect(try await engine.inspect(kept0).state.status == .running)
      try await engine.stop(kept0, timeout: 0)
      await #expect(throws: EngineError.noSuchContainer(kept0)) { try await engine.inspect(kept0) }

      // removed: a kept one, once someone removes it.
      let kept = try await engine.run(.shell(image, "exit 6"))
      let waiter = Task { try await engine.wait(kept, condition: .removed) }
      #expect(try await engine.wait(kept) == 6)
      try await Task.sleep(for: .milliseconds(200))
      try await engine.remove(kept)
      #expect(try await waiter.value == 6)
    }
  }

  /// Runs `wait` while creating the file `open` whenever it is absent (a gated container's run removes it as it
  /// passes), until `wait` returns; the pause between two looks is pacing, not a bound.
  static func throughGate(_ open: String, _ wait: @escaping @Sendable () async throws -> Int32) async throws -> Int32 {
    try await withThrowingTaskGroup(of: Int32?.self) { group in
      group.addTask { try await wait() }
      group.addTask {
        while !Task.isCancelled {
          if !FileManager.default.fileExists(atPath: open) {
            FileManager.default.createFile(atPath: open, contents: nil)
          }
          try? await Task.sleep(for: .milliseconds(50))
        }
        return nil
      }
      defer { group.cancelAll() }
      while let result = try await group.next() {
        if let code = result { return code }
      }
      return -1
    }
  }

  @Test func renameFreesTheOldName() async throws {
    try await withEngine { engine, image in
      let id = try await engine.create(ContainerSpec(image: image, name: "before", network: .none))
      let other = try await engine.create(ContainerSpec(image: image, name: "other", network: .none))
      try await engine.rename("before", to: "after")
      #expect(try await engine.inspect("after").id == id)
      #expect(try await engine.inspect("after").name == "/after")
      await #expect(throws: EngineError.noSuchContainer("before")) { try await engine.inspect("before") }
      _ = try await engine.create(ContainerSpec(image: image, name: "before", network: .none))
      await #expect(throws: EngineError.nameInUse(name: "other", id: other)) {
        try await engine.rename(id, to: "other")
      }
      await #expect(throws: EngineError.invalidName("bad name")) { try await engine.rename(id, to: "bad name") }
    }
  }

  @Test func updateWritesTheLiveCgroup() async throws {
    try await withEngine { engine, image in
      let id = try await engine.run(
        ContainerSpec(image: image, command: ["sleep", "3600"], network: .none, memoryLimit: 64 << 20))
      let pid = try await engine.inspect(id).state.pid
      #expect(Self.memoryLimit(pid) == 64 << 20)
      try await engine.update(
        id,
        resources: ContainerResources(memoryLimit: 32 << 20, pidsLimit: 40, restartPolicy: try RestartPolicy("always")))
      #expect(Self.memoryLimit(pid) == 32 << 20)
      let after = try await engine.inspect(id)
      #expect(after.hostConfig.memory == 32 << 20 && after.hostConfig.pidsLimit == 40)
      #expect(after.hostConfig.restartPolicy.name == "always")
      // Up again, past the first limit (the swap limit moves with it), and the CPU quota.
      try await engine.update(id, resources: ContainerResources(memoryLimit: 128 << 20, nanoCPUs: 500_000_000))
      #expect(Self.memoryLimit(pid) == 128 << 20)
      #expect(try await engine.inspect(id).hostConfig.nanoCPUs == 500_000_000)
      await #expect(throws: EngineError.invalidArgument("Minimum memory limit allowed is 6MB")) {
        try await engine.update(id, resources: ContainerResources(memoryLimit: 1 << 20))
      }
    }
  }

  /// `pid`'s memory limit as its cgroup has it (v1 `memory.limit_in_bytes`, v2 `memory.max`).
  static func memoryLimit(_ pid: Int32) -> Int64? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n") {
      let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
      guard parts.count == 3 else { continue }
      let file =
        parts[1].split(separator: ",").contains("memory")
        ? "/sys/fs/cgroup/memory\(parts[2])/memory.limit_in_bytes"
        : parts[0] == "0" && !text.contains(":memory:") ? "/sys/fs/cgroup\(parts[2])/memory.max" : nil
      if let file, let value = try? String(contentsOfFile: file, encoding: .utf8) {
        return Int64(value.trimmingCharacters(in: .whitespacesAndNewlines))
      }
    }
    return nil
  }

  @Test func archiveOutThenIntoAnotherContainer() async throws {
    try await withEngine { engine, image in
      let source = try await engine.run(
        ContainerSpec(
          image: image,
          command: ["sh", "-c", "mkdir -p /tmp/d/sub && echo one > /tmp/d/one && echo two > /tmp/d/sub/two"],
          network: .none))
      #expect(try await engine.wait(source) == 0)
      let target = try await engine.run(ContainerSpec(image: image, command: ["true"], network: .none))
      #expect(try await engine.wait(target) == 0)

      var bytes = [UInt8]()
      for try await chunk in try await engine.archive(source, path: "/tmp/d") { bytes += chunk }
      #expect(bytes.count >= 2048 && bytes.count % 512 == 0, "not a tar stream: \(bytes.count) bytes")

      try await engine.extractArchive(target, path: "/", from: try await engine.archive(source, path: "/tmp/d"))
      let host = FileManager.default.temporaryDirectory.appendingPathComponent("api-archive-\(UUID().uuidString)").path
      try FileManager.default.createDirectory(atPath: host, withIntermediateDirectories: true)
      defer { try? FileManager.default.removeItem(atPath: host) }
      try await engine.copy(from: target, path: "/d", toHost: host)
      #expect(try String(contentsOfFile: host + "/d/one", encoding: .utf8) == "one\n")
      #expect(try String(contentsOfFile: host + "/d/sub/two", encoding: .utf8) == "two\n")

      await #expect(throws: EngineError.invalidArgument("Could not find the file /no/such in container \(source)")) {
        for try await _ in try await engine.archive(source, path: "/no/such") {}
      }
      await #expect(throws: EngineError.self) {
        try await engine.extractArchive(target, path: "/", from: uploaded([Array("not a tar archive".utf8)]))
      }
    }
  }

  @Test func portsArePublishedWhileRunning() async throws {
    try await withEngine { engine, image in
      let id = try await engine.run(
        ContainerSpec(
          image: image, command: ["sleep", "3600"],
          ports: [PortMapping(hostIP: "127.0.0.1", hostPort: 0, containerPort: 80)]))
      let ports = try await engine.port(id)
      #expect(ports.count == 1)
      let port = try #require(ports.first)
      #expect(port.containerPort == 80 && port.hostPort != 0 && port.hostIP == "127.0.0.1")
      let inspected = try await engine.inspect(id)
      #expect(inspected.networkSettings.ports["80/tcp"] == ports)
      #expect(!inspected.networkSettings.ipAddress.isEmpty)
      #expect(try await engine.list(filters: ["publish": ["\(port.hostPort)"]]).map(\.id) == [id])
      try await engine.stop(id, timeout: 0)
      #expect(try await engine.port(id).isEmpty)
    }
  }
}

/// `chunks` as an async sequence, for an upload made of chunks.
func uploaded(_ chunks: [[UInt8]]) -> AsyncStream<[UInt8]> {
  AsyncStream { continuation in
    for c in chunks { continuation.yield(c) }
    continuation.finish()
  }
}
