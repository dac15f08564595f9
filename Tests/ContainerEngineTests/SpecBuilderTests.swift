import ContainerEngine
import Foundation
import OCI
import Testing

/// The OCI config the engine writes for a record: what docker's capability options grant.
@Suite struct SpecBuilderTests {
  func capabilities(_ host: HostConfig) throws -> [String] {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("specbuilder-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let record = ContainerRecord(
      id: String(repeating: "ab", count: 32), name: "caps", created: Date(), image: "busybox", imageID: "sha256:00",
      config: ContainerConfig(hostname: "caps"), hostConfig: host)
    let spec = try SpecBuilder.build(
      record, rootfs: dir + "/rootfs", netnsPath: nil, hostFiles: [:], volumes: VolumeStore(root: StateRoot(dir)),
      cgroupParent: "ckit")
    return spec.process?.capabilities?.bounding ?? []
  }

  /// docker grants every capability the kernel knows to a privileged container, the newer ones (perfmon, bpf,
  /// checkpoint_restore) included; the runtime's own list is the same one.
  @Test func privilegedAndCapAddAllGrantEveryCapability() throws {
    let all = Set(Spec.allCapabilities)
    #expect(all.isSuperset(of: ["CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE", "CAP_SYS_ADMIN"]))
    #expect(Set(try capabilities(HostConfig(privileged: true))) == all)
    #expect(Set(try capabilities(HostConfig(capAdd: ["ALL"], capDrop: ["MKNOD"]))) == all.subtracting(["CAP_MKNOD"]))
    #expect(Set(try capabilities(HostConfig())) == Set(Spec.defaultCapabilities))
  }
}
