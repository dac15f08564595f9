import Glibc
import Testing

@testable import Cgroups

/// The `CgroupDriver` contract, run against every real driver of this host (v1 and v2 on this hybrid machine, v2
/// alone in the pure v2 guest of `make test-guest`): the runtime relies on it without knowing which one it got.
@Suite("CgroupDriver contract", .enabled(if: CgroupTest.hasUnified, "requires root and a cgroup2 mount"))
struct CgroupDriverContractTests {
  static let drivers: [any CgroupDriver] =
    (CgroupTest.hasV1 ? [CgroupV1Driver(mounts: CgroupTest.mounts)] : [])
    + [CgroupV2Driver(root: CgroupTest.mounts.unified ?? "/sys/fs/cgroup")]

  /// The drivers are those of the layout that is there, and `detect` picks the one the runtime gets.
  @Test func driversFollowTheLayout() throws {
    let detected = try Cgroups.detect()
    if CgroupTest.hasV1 {
      #expect(Self.drivers.map(\.version) == [.v1, .v2])
      #expect(detected.version == .v1)
    } else {
      #expect(Self.drivers.map(\.version) == [.v2])
      #expect(detected.version == .v2)
      #expect(CgroupTest.mounts.unified == "/sys/fs/cgroup")
    }
  }

  @Test(arguments: drivers)
  func lifecycle(driver: any CgroupDriver) async throws {
    let parent = CgroupTest.uniqueParent()
    defer { try? driver.delete(parent) }
    let path = Cgroups.path(for: "contract", parent: parent)
    try driver.create(path, resources: nil)
    try driver.create(path, resources: nil)  // re-creating an existing cgroup is fine
    #expect((driver.directory(for: path) != nil) == (driver.version == .v2))

    let child = try ChildProcess("exec sleep 3600")
    try driver.addProcess(child.pid, to: path)
    #expect(try driver.processes(in: path) == [child.pid])
    #expect(try !driver.isFrozen(path))
    try driver.freeze(path)
    #expect(try driver.isFrozen(path))
    try driver.thaw(path)
    #expect(try !driver.isFrozen(path))
    #expect(try driver.stats(path).cpu != nil)

    try driver.delete(path)
    #expect(await child.wait() != nil)
    #expect(child.terminatingSignal == SIGKILL)
    #expect(throws: CgroupError.self) { try driver.processes(in: path) }
    #expect(throws: CgroupError.self) { try driver.addProcess(child.pid, to: path) }
    try driver.delete(path)  // idempotent
  }
}
