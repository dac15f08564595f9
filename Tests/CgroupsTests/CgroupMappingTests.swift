import OCI
import Testing

@testable import Cgroups

@Suite("Resource mapping")
struct CgroupMappingTests {
  @Test func cpuSharesToWeightMatchesRuncAndCrun() {
    #expect(CgroupV2Mapping.cpuWeight(shares: 2) == 1)
    #expect(CgroupV2Mapping.cpuWeight(shares: 1024) == 100)
    #expect(CgroupV2Mapping.cpuWeight(shares: 262_144) == 10_000)
    #expect(CgroupV2Mapping.cpuWeight(shares: 512) == 59)
    #expect(CgroupV2Mapping.cpuWeight(shares: 2048) == 174)
  }

  @Test func blkioWeightToIOWeight() throws {
    #expect(try CgroupV2Mapping.ioWeight(blkioWeight: 10, field: "w") == 1)
    #expect(try CgroupV2Mapping.ioWeight(blkioWeight: 500, field: "w") == 4950)
    #expect(try CgroupV2Mapping.ioWeight(blkioWeight: 1000, field: "w") == 10_000)
    #expect(throws: CgroupError.invalidResource(field: "blockIO.weight", reason: "5 is outside 10...1000")) {
      try CgroupV2Mapping.ioWeight(blkioWeight: 5, field: "blockIO.weight")
    }
  }

  @Test func swapIsMemoryPlusSwapOnTheSpec() throws {
    #expect(try CgroupV2Mapping.swapMax(memorySwap: 0, memory: 100) == nil)
    #expect(try CgroupV2Mapping.swapMax(memorySwap: 300, memory: 100) == "200")
    #expect(try CgroupV2Mapping.swapMax(memorySwap: -1, memory: 100) == "max")
    #expect(try CgroupV2Mapping.swapMax(memorySwap: 0, memory: -1) == "max")
    #expect(throws: CgroupError.self) { try CgroupV2Mapping.swapMax(memorySwap: 50, memory: 100) }
    #expect(throws: CgroupError.self) { try CgroupV2Mapping.swapMax(memorySwap: 50, memory: 0) }
  }

  @Test func badInputIsATypedErrorNamingTheField() {
    var resources = LinuxResources()
    resources.unified = ["../escape": "1"]
    #expect(
      throws: CgroupError.invalidResource(field: "unified[../escape]", reason: "\"../escape\" is not a file name")
    ) {
      try CgroupV2Mapping.writes(for: resources)
    }
    var devices = LinuxResources()
    devices.devices = [.init(allow: true, type: "x", access: "rwm")]
    #expect(throws: CgroupError.invalidResource(field: "devices[0].type", reason: "\"x\" is not one of a, b, c")) {
      try CgroupV1Mapping.writes(for: devices)
    }
    var memory = LinuxResources()
    memory.memory = .init(limit: 100, swap: 50)
    #expect(throws: CgroupError.self) { try CgroupV1Mapping.writes(for: memory) }
  }

  @Test func v1DeviceRules() throws {
    var resources = LinuxResources()
    resources.devices = [
      .init(allow: false, access: "rwm"), .init(allow: true, type: "c", major: 1, minor: 3, access: "rwm"),
      .init(allow: true, type: "c", major: 136, access: "rw"),
    ]
    let writes = try CgroupV1Mapping.writes(for: resources)
    #expect(
      writes.prefix(3) == [
        .init("devices", "devices.deny", "a"), .init("devices", "devices.allow", "c 1:3 rwm"),
        .init("devices", "devices.allow", "c 136:* rw"),
      ])
    // The defaults every runtime grants follow the bundle's rules.
    #expect(writes.count == 3 + Cgroups.defaultAllowedDevices.count)
    #expect(writes.contains(.init("devices", "devices.allow", "c *:* m")))
    #expect(writes.contains(.init("devices", "devices.allow", "c 1:9 rwm")))
  }

  @Test func deviceFilterFollowsV1Semantics() throws {
    // Only rules after the last all-devices rule matter; its allow is the default (last instruction pair).
    let filter = try CgroupDeviceFilter(rules: [
      .init(allow: true, type: "c", major: 1, minor: 3, access: "rwm"), .init(allow: false, access: "rwm"),
      .init(allow: true, type: "c", major: 1, minor: 5, access: "rwm"),
    ])
    let movDefault = filter.instructions[filter.instructions.count - 2]
    #expect(movDefault & 0xFF == 0xB7 && movDefault >> 32 == 0)  // r0 = 0: deny by default
    // 6 loads + (type, major, minor tests, r0 =, exit) for the one remaining rule + default pair.
    #expect(filter.instructions.count == 6 + 5 + 2)
    let allowAll = try CgroupDeviceFilter(rules: [])
    #expect(allowAll.instructions.last.map { $0 & 0xFF } == 0x95)
    #expect(allowAll.instructions[allowAll.instructions.count - 2] >> 32 == 1)
    #expect(throws: CgroupError.self) { try CgroupDeviceFilter(rules: [.init(allow: true, type: "q")]) }
  }

  @Test func statParsers() {
    let io = CgroupV2Driver.parseIOStat(
      "8:0 rbytes=100 wbytes=200 rios=3 wios=4 dbytes=0 dios=0\n253:0 rbytes=1 wbytes=2 rios=1 wios=1\n")
    #expect(io == .init(readBytes: 101, writeBytes: 202, readOperations: 4, writeOperations: 5))
    let blkio = CgroupV1Driver.parseBlkio("8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 0\n8:0 Total 12288\nTotal 12288\n")
    #expect(blkio.read == 4096 && blkio.write == 8192)
  }
}
