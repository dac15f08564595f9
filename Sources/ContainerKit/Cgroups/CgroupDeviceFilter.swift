import OCI

/// `linux.resources.devices` as a `BPF_PROG_TYPE_CGROUP_DEVICE` program: cgroup v2 has no devices controller, the
/// kernel asks an eBPF program attached to the cgroup instead (what runc and crun do too).
///
/// Semantics follow the v1 controller the rules were written for: rules apply in order and the last match wins, a
/// rule for all devices (`a`, no numbers, `rwm`) resets everything before it and sets the default, and without
/// one the default is allow (a fresh v1 cgroup allows everything). An allow rule matches when it grants every
/// requested access, a deny rule when it covers any of them.
struct CgroupDeviceFilter: Sendable, Hashable {
  /// Encoded instructions (`struct bpf_insn`, little-endian layout as the kernel reads them on this host).
  let instructions: [UInt64]

  init(rules: [LinuxResources.DeviceRule]) throws(CgroupError) {
    var defaultAllow = true
    var effective: [LinuxResources.DeviceRule] = []
    for (index, rule) in rules.enumerated() {
      _ = try CgroupV1Mapping.deviceWrite(rule, field: "devices[\(index)]")  // same validation as v1
      if Self.isWildcard(rule) {
        defaultAllow = rule.allow
        effective.removeAll()
      } else {
        effective.append(rule)
      }
    }
    var program: [Instruction] = [
      .load(dst: 2, offset: 0), .and(dst: 2, 0xFFFF),  // r2 = device type
      .load(dst: 3, offset: 0), .rsh(dst: 3, 16),  // r3 = requested access
      .load(dst: 4, offset: 4),  // r4 = major
      .load(dst: 5, offset: 8),  // r5 = minor
    ]
    for rule in effective.reversed() {
      program += Self.block(for: rule)
    }
    program += [.mov(dst: 0, defaultAllow ? 1 : 0), .exit]
    instructions = program.map(\.encoded)
  }

  static func isWildcard(_ rule: LinuxResources.DeviceRule) -> Bool {
    (rule.type ?? "a") == "a" && (rule.major ?? -1) < 0 && (rule.minor ?? -1) < 0
      && Set(rule.access ?? "rwm") == Set("rwm")
  }

  /// Access bits of `struct bpf_cgroup_dev_ctx`: mknod 1, read 2, write 4.
  static func accessBits(_ access: String) -> Int32 {
    var bits: Int32 = 0
    if access.contains("m") { bits |= 1 }
    if access.contains("r") { bits |= 2 }
    if access.contains("w") { bits |= 4 }
    return bits
  }

  /// Tests that fall through to the next rule when they fail, then `return allow`.
  private static func block(for rule: LinuxResources.DeviceRule) -> [Instruction] {
    var tests: [Instruction] = []
    switch rule.type ?? "a" {
    case "b": tests.append(.jumpIfNotEqual(register: 2, 1))
    case "c": tests.append(.jumpIfNotEqual(register: 2, 2))
    default: break
    }
    let bits = accessBits(rule.access ?? "rwm")
    if rule.allow && bits != 7 {
      tests += [.movRegister(dst: 1, src: 3), .and(dst: 1, ~bits & 7), .jumpIfNotEqual(register: 1, 0)]
    } else if !rule.allow && bits != 7 {
      tests += [.movRegister(dst: 1, src: 3), .and(dst: 1, bits), .jumpIfEqual(register: 1, 0)]
    }
    if let major = rule.major, major >= 0 {
      tests.append(.jumpIfNotEqual(register: 4, Int32(truncatingIfNeeded: major)))
    }
    if let minor = rule.minor, minor >= 0 {
      tests.append(.jumpIfNotEqual(register: 5, Int32(truncatingIfNeeded: minor)))
    }
    let tail: [Instruction] = [.mov(dst: 0, rule.allow ? 1 : 0), .exit]
    let total = tests.count + tail.count
    // Each failed test jumps past the end of this block.
    let patched = tests.enumerated().map { index, test in test.withOffset(Int16(total - index - 1)) }
    return patched + tail
  }

  /// The few eBPF instructions the filter needs.
  struct Instruction {
    var code: UInt8
    var dst: UInt8 = 0
    var src: UInt8 = 0
    var offset: Int16 = 0
    var immediate: Int32 = 0

    static func load(dst: UInt8, offset: Int16) -> Self {  // BPF_LDX | BPF_MEM | BPF_W, from r1 (the context)
      .init(code: 0x61, dst: dst, src: 1, offset: offset)
    }
    static func and(dst: UInt8, _ value: Int32) -> Self { .init(code: 0x57, dst: dst, immediate: value) }
    static func rsh(dst: UInt8, _ value: Int32) -> Self { .init(code: 0x77, dst: dst, immediate: value) }
    static func mov(dst: UInt8, _ value: Int32) -> Self { .init(code: 0xB7, dst: dst, immediate: value) }
    static func movRegister(dst: UInt8, src: UInt8) -> Self { .init(code: 0xBF, dst: dst, src: src) }
    static func jumpIfNotEqual(register: UInt8, _ value: Int32) -> Self {
      .init(code: 0x55, dst: register, immediate: value)
    }
    static func jumpIfEqual(register: UInt8, _ value: Int32) -> Self {
      .init(code: 0x15, dst: register, immediate: value)
    }
    static let exit = Self(code: 0x95)

    func withOffset(_ offset: Int16) -> Self {
      var copy = self
      if code == 0x55 || code == 0x15 { copy.offset = offset }
      return copy
    }

    var encoded: UInt64 {
      UInt64(code) | UInt64((dst & 0xF) | (src & 0xF) << 4) << 8 | UInt64(UInt16(bitPattern: offset)) << 16
        | UInt64(UInt32(bitPattern: immediate)) << 32
    }
  }
}
