import Cgroups
import Foundation
import Namespaces
import OCI
import Testing

@testable import ContainerKit

/// The state file is written by hand around the config's own bytes; it must read back as JSONEncoder's would.
@Suite("Runtime record")
struct ContainerRecordTests {
  func record(bundle: String, cgroupPath: String?, exitCode: Int32?) -> RuntimeRecord {
    var spec = Spec.container(rootfs: "/srv/rootfs", args: ["sh", "-c", "echo \"hi\"\\n"], hostname: "h")
    spec.annotations = ["a/b": "c\"d", "tab": "\t"]
    return RuntimeRecord(
      id: "c-1", bundle: bundle, rootfs: "/srv/rootfs", pid: 4242, pidStartTime: 123_456_789,
      created: RFC3339.format(seconds: 0, nanoseconds: 5), cgroupPath: cgroupPath, spec: spec, exitCode: exitCode)
  }

  @Test("the hand-written state file has the same bytes as SpecJSON's, escapes included")
  func sameBytes() throws {
    for r in [
      record(
        bundle: "/b/with \"quotes\" \\ and\nnew\r\tline\u{1}\u{8}\u{c}\u{1f}", cgroupPath: "ckit/c-1", exitCode: 3),
      record(bundle: "/plain/é", cgroupPath: nil, exitCode: nil),
    ] {
      let written = r.encode(specJSON: try SpecJSON.encode(r.spec))
      #expect(written == (try SpecJSON.encode(r)))
      let back = try JSONDecoder().decode(RuntimeRecord.self, from: written)
      #expect(back.bundle == r.bundle && back.spec == r.spec && back.exitCode == r.exitCode)
    }
  }

  @Test("a config's own bytes are embedded as they are and decode to the same spec")
  func rawConfig() throws {
    let r = record(bundle: "/b", cgroupPath: "p", exitCode: nil)
    let raw = Data(#"{ "ociVersion" : "1.0.2",  "root": {"path": "/srv/rootfs"} }"#.utf8)
    let written = r.encode(specJSON: raw)
    let text = String(decoding: written, as: UTF8.self)
    #expect(text.hasSuffix(#","spec":{ "ociVersion" : "1.0.2",  "root": {"path": "/srv/rootfs"} }}"#))
    let back = try JSONDecoder().decode(RuntimeRecord.self, from: written)
    #expect(back.spec.root?.path == "/srv/rootfs")
  }

  /// A record whose spec has a poststop hook and Docker's seccomp profile (what a delete must keep and may skip),
  /// with a directory of its own for the state files, removed after `body`.
  func withHookedRecord(exitCode: Int32?, _ body: (RuntimeRecord, Spec.Hooks, String) throws -> Void) throws {
    var r = record(bundle: "/b", cgroupPath: "ckit/c-1", exitCode: exitCode)
    var hooks = Spec.Hooks()
    hooks.poststop = [Spec.Hook(path: "/bin/true")]
    r.spec.hooks = hooks
    r.spec.linux?.seccomp = Spec.Seccomp.docker(capabilities: [])
    let dir =
      FileManager.default.temporaryDirectory.path + "/ckit-record-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try body(r, hooks, dir)
  }

  @Test("a delete reads the record's fields, hooks and annotations, and nothing else of the spec")
  func forDelete() throws {
    try withHookedRecord(exitCode: 7) { r, hooks, dir in
      try r.save(path: dir + "/state.json")
      let light = try RuntimeRecord.loadForDelete(path: dir + "/state.json", id: "c-1")
      #expect(light.id == r.id && light.bundle == r.bundle && light.rootfs == r.rootfs && light.pid == r.pid)
      #expect(light.pidStartTime == r.pidStartTime && light.created == r.created && light.exitCode == 7)
      #expect(light.cgroupPath == "ckit/c-1")
      #expect(light.spec.hooks == hooks && light.spec.annotations == r.spec.annotations)
      #expect(light.spec.linux == nil && light.spec.process == nil)

      // A spec this version cannot decode (a field of another type) still leaves the container deletable: the
      // proof that the rest of the spec is not decoded at all.
      let odd = r.encode(specJSON: Data(#"{"ociVersion":"1.0.2","linux":{"seccomp":{"defaultAction":5}}}"#.utf8))
      try odd.write(to: URL(fileURLWithPath: dir + "/state.json"))
      #expect(throws: ContainerError.self) { try RuntimeRecord.load(path: dir + "/state.json", id: "c-1") }
      #expect(try RuntimeRecord.loadForDelete(path: dir + "/state.json", id: "c-1").pid == r.pid)
      #expect(throws: ContainerError.self) { try RuntimeRecord.loadForDelete(path: dir + "/nothing.json", id: "c-1") }
    }
  }

  @Test("a pause init's state file: hooks and annotations only, marked, read by load and loadForDelete alike")
  func savedForDelete() throws {
    try withHookedRecord(exitCode: nil) { r, hooks, dir in
      try r.save(path: dir + "/whole.json")
      try r.saveForDelete(path: dir + "/state.json")
      let bytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/state.json"))
      let whole = try Data(contentsOf: URL(fileURLWithPath: dir + "/whole.json"))
      // Written by hand as SpecJSON would write the record (sorted keys), and a small fraction of the whole.
      var expected = Spec()
      expected.hooks = hooks
      expected.annotations = r.spec.annotations
      var marked = r.with(spec: expected)
      marked.specOmitted = true
      #expect(bytes == (try SpecJSON.encode(marked)))
      #expect(bytes.count * 10 < whole.count, "\(bytes.count) of \(whole.count) bytes")
      let full = try RuntimeRecord.load(path: dir + "/state.json", id: "c-1")
      #expect(full.specOmitted == true && full.pid == r.pid && full.cgroupPath == "ckit/c-1")
      #expect(full.spec.hooks == hooks && full.spec.annotations == r.spec.annotations && full.spec.linux == nil)
      let light = try RuntimeRecord.loadForDelete(path: dir + "/state.json", id: "c-1")
      #expect(light.specOmitted == true && light.spec.hooks == hooks && light.pidStartTime == r.pidStartTime)
      #expect(try RuntimeRecord.load(path: dir + "/whole.json", id: "c-1").specOmitted == nil)
    }
  }

  @Test("RFC 3339 timestamps as runc writes them")
  func timestamps() {
    #expect(RFC3339.format(seconds: 0, nanoseconds: 0) == "1970-01-01T00:00:00.000000000Z")
    #expect(RFC3339.format(seconds: 1_795_901_763, nanoseconds: 974_090_932) == "2026-11-28T21:36:03.974090932Z")
    #expect(RFC3339.now().count == 30)
  }
}

/// The cheap cgroup probe must find what mountinfo says, or nothing (and mountinfo is used).
@Suite("Cgroup probe")
struct CgroupProbeTests {
  @Test("statfs of /sys/fs/cgroup finds the same mounts as /proc/self/mountinfo")
  func sameAsMountInfo() throws {
    let text = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
    let fromMountInfo = CgroupMounts(mountInfo: text)
    let probed = try #require(CgroupProbe.mounts())
    #expect(probed.unified == fromMountInfo.unified)
    #expect(probed.v1.mapValues { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path } == fromMountInfo.v1)
    #expect((CgroupProbe.driver().map { "\($0.version)" }) == (try? Cgroups.detect()).map { "\($0.version)" })
  }

  @Test("the hierarchies for a container's cgroup mount are those mountinfo lists, with the same options")
  func viewSameAsMountInfo() throws {
    let probed = try #require(CgroupProbe.view())
    let fromMountInfo = CgroupView.host()
    #expect(!probed.hierarchies.isEmpty || probed.unifiedOnly)
    #expect(probed.unifiedOnly == fromMountInfo.unifiedOnly)
    #expect(probed.hierarchies.map(\.name) == fromMountInfo.hierarchies.map(\.name))
    #expect(probed.hierarchies.map(\.type) == fromMountInfo.hierarchies.map(\.type))
    #expect(probed.hierarchies.map(\.hostMount) == fromMountInfo.hierarchies.map(\.hostMount))
    #expect(probed.hierarchies.map { Set($0.options) } == fromMountInfo.hierarchies.map { Set($0.options) })
    #expect(ContainerRuntime.hostCgroupView == probed)
  }
}

/// The runtime's paths are plain strings: made absolute and standardized as `URL.standardizedFileURL` did.
@Suite("Runtime paths")
struct RuntimePathTests {
  @Test("standardized: absolute against the working directory; `.`, `..` and repeated slashes resolved as text")
  func standardized() {
    let cwd = FileManager.default.currentDirectoryPath
    let paths = [
      "/srv/b", "/srv/b/", "/srv//b", "/srv/./b", "/srv/x/../b", "b", "./b", "b/../c", "/", "/..", ".", "/.",
      "/srv/.hidden", "/srv/...", "/srv/a.b/", "/srv/..x", "/srv/x/..", "/srv/x/.", "//srv",
    ]
    for path in paths {
      #expect(ContainerRuntime.standardized(path) == URL(fileURLWithPath: path).standardizedFileURL.path, "\(path)")
    }
    #expect(ContainerRuntime.standardized("b") == cwd + "/b")
    #expect(ContainerRuntime(root: "/run/x/").root.path == "/run/x")
  }
}

@Suite("Process facts")
struct ProcInfoTests {
  @Test("the state and start time of /proc/PID/stat, as field 3 and 22 read them; nil for no such process")
  func stat() throws {
    let text = try String(contentsOfFile: "/proc/self/stat", encoding: .utf8)
    let fields = text[text.index(after: try #require(text.lastIndex(of: ")")))...].split(separator: " ")
    let s = try #require(ProcInfo.stat(getpid()))
    #expect(s.startTime == UInt64(fields[19]))
    #expect(s.state == "R" || s.state == "S")
    #expect(ProcInfo.stat(Int32.max) == nil)
    #expect(ProcInfo.isAlive(getpid(), startTime: s.startTime))
  }
}
