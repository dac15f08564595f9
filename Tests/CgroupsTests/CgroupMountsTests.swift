import Testing

@testable import Cgroups

@Suite("Cgroup mounts and detection")
struct CgroupMountsTests {
  static let hybrid = """
    31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
    32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct
    35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
    39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
    40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
    41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
    50 23 0:40 / /mnt/with\\040space rw - cgroup cgroup rw,freezer
    """

  @Test func parsesControllersWhereTheyLive() {
    let mounts = CgroupMounts(mountInfo: Self.hybrid)
    #expect(mounts.v1["cpu"] == "/sys/fs/cgroup/cpu,cpuacct")
    #expect(mounts.v1["cpuacct"] == "/sys/fs/cgroup/cpu,cpuacct")
    #expect(mounts.v1["memory"] == "/sys/fs/cgroup/memory")
    #expect(mounts.v1["freezer"] == "/mnt/with space")
    #expect(mounts.v1["systemd"] == nil)
    #expect(mounts.v1["xattr"] == nil)
    #expect(mounts.unified == "/sys/fs/cgroup/unified")
    #expect(CgroupV1Driver(mounts: mounts).hierarchies.count == 4)
  }

  @Test func detectPicksV1OnHybridAndV2OnUnified() throws {
    let directory = CgroupTest.temporaryDirectory()
    defer { CgroupTest.removeTree(directory) }
    CgroupTest.write(Self.hybrid, to: directory + "/hybrid")
    CgroupTest.write("30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n", to: directory + "/v2")
    CgroupTest.write("22 1 0:21 / /proc rw - proc proc rw\n", to: directory + "/none")

    let hybrid = try Cgroups.detect(mountInfo: directory + "/hybrid")
    #expect(hybrid.version == .v1)
    #expect(hybrid.directory(for: "ckit/a") == nil)
    let unified = try Cgroups.detect(mountInfo: directory + "/v2")
    #expect(unified.version == .v2)
    #expect(unified.directory(for: "/ckit/a") == "/sys/fs/cgroup/ckit/a")
    #expect(throws: CgroupError.noCgroupMount(mountInfo: directory + "/none")) {
      try Cgroups.detect(mountInfo: directory + "/none")
    }
    #expect(throws: CgroupError.mountInfoUnreadable(path: directory + "/missing", errno: 2)) {
      try Cgroups.detect(mountInfo: directory + "/missing")
    }
  }

  @Test func detectOnThisHost() throws {
    let driver = try Cgroups.detect()
    // This VM mounts the v1 controllers (hybrid); a pure cgroup2 host would give v2.
    #expect(driver.version == (CgroupTest.mounts.v1["memory"] != nil ? .v1 : .v2))
  }

  @Test func pathsAreValidated() {
    let driver = CgroupV2Driver(root: "/nonexistent")
    #expect(throws: CgroupError.invalidPath("", reason: "names the hierarchy root")) {
      try driver.create("", resources: nil)
    }
    #expect(throws: CgroupError.invalidPath("/", reason: "names the hierarchy root")) { try driver.delete("/") }
    #expect(throws: CgroupError.invalidPath("ckit/../../etc", reason: "component \"..\" is not allowed")) {
      try driver.create("ckit/../../etc", resources: nil)
    }
    #expect(Cgroups.path(for: "abc") == "ckit/abc")
    #expect(Cgroups.path(for: "abc", parent: "custom/parent") == "custom/parent/abc")
    #expect(
      CgroupError.writeFailed(file: "/x/pids.max", value: "5", errno: 22).description
        == "write \"5\" to /x/pids.max: Invalid argument")
  }
}
