import Foundation
import Namespaces
import OCI
import TestSupport
import Testing

@Suite("Runtime spec: config.json from runc and crun")
struct RuntimeSpecTests {
  /// A `config.json` written by the peer tool itself, so the decoder is tested against what it really emits.
  static func peerSpec(_ tool: String) throws -> Data? {
    guard
      let exe = ["/usr/sbin/\(tool)", "/usr/bin/\(tool)"].first(where: {
        FileManager.default.isExecutableFile(atPath: $0)
      })
    else { return nil }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ckit-spec-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    // `env -C`: the spec is written into the working directory.
    try Subprocess(["-C", dir.path, exe, "spec"]).waitUntilExit()
    return FileManager.default.contents(atPath: dir.appendingPathComponent("config.json").path)
  }

  @Test("decodes `runc spec` and `crun spec` output", arguments: ["runc", "crun"])
  func decodesPeerSpec(tool: String) throws {
    let data = try #require(try Self.peerSpec(tool), "\(tool) is installed by scripts/install-deps.sh")
    let spec = try Spec.decode(data)
    #expect(spec.process?.args == ["sh"])
    #expect(spec.root?.path == "rootfs")
    #expect(spec.root?.readonly == true)
    #expect(spec.hostname == tool)
    #expect(spec.linux?.namespaces?.map(\.type).contains(.mount) == true)
    #expect(spec.linux?.maskedPaths?.contains("/proc/kcore") == true)
    #expect(spec.process?.capabilities?.bounding?.contains("CAP_KILL") == true)
    #expect(spec.process?.rlimits?.first?.type == "RLIMIT_NOFILE")
    #expect(spec.mounts?.first { $0.destination == "/dev/pts" }?.options?.contains("newinstance") == true)
    try spec.validate()
    // And it makes a plan: every option, capability and rlimit name is known.
    let plan = try ChildPlan(spec: spec, bundle: "/bundle") { _ in false }
    #expect(plan.rootfs == "/bundle/rootfs")
    #expect(plan.newNamespaces == [.pid, .network, .ipc, .uts, .mount])
    #expect(plan.hostname == tool)
    #expect(plan.devices.map(\.path).contains("/dev/null"))
  }

  @Test("a wrong type names the field")
  func malformedFieldIsNamed() throws {
    let json =
      #"{"ociVersion":"1.0.2","process":{"user":{"uid":0,"gid":0},"args":["sh"],"cwd":"/"},"#
      + #""root":{"path":"rootfs"},"linux":{"namespaces":[{"type":"pid"},{"type":"bogus"}]}}"#
    #expect {
      _ = try Spec.decode(Data(json.utf8))
    } throws: { error in
      "\(error)".contains("linux") && "\(error)".contains("namespaces") && "\(error)".contains("bogus")
    }
  }

  @Test("validation names the field that cannot run")
  func validationNamesField() throws {
    var spec = Spec.container(rootfs: "/r", args: ["true"])
    spec.process?.args = []
    #expect(throws: SpecError.invalidField("process.args", reason: "must not be empty")) { try spec.validate() }
    spec = Spec.container(rootfs: "/r", args: ["true"])
    spec.process?.cwd = "relative"
    #expect { try spec.validate() } throws: { "\($0)".contains("process.cwd") }
    spec = Spec.container(rootfs: "/r", args: ["true"])
    spec.process?.capabilities?.bounding = ["CAP_NOPE"]
    #expect {
      _ = try ChildPlan(spec: spec, bundle: "/") { _ in false }
    } throws: { "\($0)" == "invalid config: process.capabilities.bounding[0]: unknown capability \"CAP_NOPE\"" }
    spec = Spec.container(rootfs: "/r", args: ["true"])
    spec.process?.rlimits = [Spec.Rlimit(type: "RLIMIT_BOGUS", hard: 1, soft: 1)]
    #expect {
      _ = try ChildPlan(spec: spec, bundle: "/") { _ in false }
    } throws: { "\($0)".contains("process.rlimits[0].type") }
  }

  @Test("a spec round-trips through JSON unchanged")
  func roundTrip() throws {
    var spec = Spec.container(rootfs: "rootfs", args: ["echo", "hi"], hostname: "h")
    spec.linux?.uidMappings = [Spec.IDMapping(containerID: 0, hostID: 100_000, size: 65536)]
    spec.linux?.seccomp = Spec.Seccomp(
      defaultAction: "SCMP_ACT_ALLOW",
      syscalls: [
        .init(names: ["mkdir"], action: "SCMP_ACT_ERRNO", args: [.init(index: 1, value: 2, op: "SCMP_CMP_EQ")])
      ])
    let data = try SpecJSON.encode(spec)
    #expect(try Spec.decode(data) == spec)
  }
}
