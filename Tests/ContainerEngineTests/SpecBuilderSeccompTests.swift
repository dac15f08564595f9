import Foundation
import OCI
import Testing

@testable import ContainerEngine

/// The engine's seccomp choices in the config.json it writes: Docker's default resolved for the container's
/// capabilities, none when unconfined or privileged, a custom profile resolved the same way.
@Suite struct SpecBuilderSeccompTests {
  func spec(_ host: HostConfig) throws -> Spec {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("specbuilder-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let record = ContainerRecord(
      id: String(repeating: "cd", count: 32), name: "sc", created: Date(), image: "busybox", imageID: "sha256:00",
      config: ContainerConfig(hostname: "sc"), hostConfig: host)
    return try SpecBuilder.build(
      record, rootfs: dir + "/rootfs", netnsPath: nil, hostFiles: [:], volumes: VolumeStore(root: StateRoot(dir)),
      cgroupParent: "ckit")
  }

  @Test func choicesBecomeTheSpecsSeccomp() throws {
    let caps = Spec.defaultCapabilities.sorted()
    #expect(try spec(HostConfig()).linux?.seccomp == .docker(capabilities: caps))
    let admin = try spec(HostConfig(capAdd: ["sys_admin"])).linux?.seccomp
    #expect(admin == .docker(capabilities: (caps + ["CAP_SYS_ADMIN"]).sorted()))
    #expect(admin?.syscalls?.contains { $0.names.contains("mount") } == true)
    #expect(try spec(HostConfig(privileged: true)).linux?.seccomp == nil)

    var host = HostConfig()
    host.seccomp = .unconfined
    #expect(try spec(host).linux?.seccomp == nil)
    let custom = Spec.SeccompProfile(
      defaultAction: "SCMP_ACT_ALLOW",
      syscalls: [
        .init(["mkdir"], action: "SCMP_ACT_ERRNO"),
        .init(["keyctl"], action: "SCMP_ACT_ERRNO", includes: .init(caps: ["CAP_SYS_ADMIN"])),
      ])
    host.seccomp = .profile(custom)
    #expect(try spec(host).linux?.seccomp?.syscalls?.map(\.names) == [["mkdir"]])
    host.privileged = true
    #expect(try spec(host).linux?.seccomp == nil, "privileged drops even a custom profile, as docker does")

    #expect(try spec(HostConfig()).process?.noNewPrivileges == true)
    host = HostConfig()
    host.noNewPrivileges = false
    #expect(try spec(host).process?.noNewPrivileges == false)
  }

  /// A record written before the option decodes, with the default profile.
  @Test func recordsWithoutTheFieldsDecode() throws {
    let old = try JSONEncoder().encode(HostConfig())
    var object = try #require(try JSONSerialization.jsonObject(with: old) as? [String: Any])
    object.removeValue(forKey: "seccomp")
    object.removeValue(forKey: "noNewPrivileges")
    let decoded = try JSONDecoder().decode(HostConfig.self, from: try JSONSerialization.data(withJSONObject: object))
    #expect(decoded.seccomp == nil && decoded.noNewPrivileges == nil)
    var custom = HostConfig()
    custom.seccomp = .profile(.docker)
    #expect(try JSONDecoder().decode(HostConfig.self, from: try JSONEncoder().encode(custom)) == custom)
  }
}
