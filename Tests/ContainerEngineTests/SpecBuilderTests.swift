import Foundation
import OCI
import Testing

@testable import ContainerEngine

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

  /// docker grants a privileged container every capability of its own bounding set, the newer ones (perfmon, bpf,
  /// checkpoint_restore) included where the kernel has them, and nothing the bounding set lacks (capset would
  /// refuse it); the runtime names them with the same list.
  @Test func privilegedAndCapAddAllGrantTheBoundingSet() throws {
    let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
    let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("CapBnd:") })
    let bounding = try #require(UInt64(line.dropFirst(7).trimmingCharacters(in: .whitespaces), radix: 16))
    let last = try #require(
      Int(try String(contentsOfFile: "/proc/sys/kernel/cap_last_cap", encoding: .utf8).filter(\.isNumber)))
    let all = Set(
      Spec.allCapabilities.enumerated().filter { $0.offset <= last && bounding & (1 << UInt64($0.offset)) != 0 }
        .map(\.element))
    #expect(Set(SpecBuilder.allCapabilities) == all)
    #expect(all.contains("CAP_SYS_ADMIN"))
    #expect(Set(try capabilities(HostConfig(privileged: true))) == all)
    #expect(Set(try capabilities(HostConfig(capAdd: ["ALL"], capDrop: ["MKNOD"]))) == all.subtracting(["CAP_MKNOD"]))
    #expect(Set(try capabilities(HostConfig())) == Set(Spec.defaultCapabilities).intersection(all))
    #expect(throws: EngineError.self) { try capabilities(HostConfig(capAdd: ["CAP_FLY"])) }
  }
}
