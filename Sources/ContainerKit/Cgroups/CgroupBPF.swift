import Glibc

/// glibc's `syscall(2)`, bound by symbol name: the C declaration is variadic and so not imported into Swift.
/// Bound at link time rather than through `dlsym` so it also works in a fully static binary (where `dlsym` finds
/// nothing). The call passes integer and pointer arguments only, which the x86-64 and AArch64 calling conventions
/// place in the same registers for Swift and C, and glibc's `syscall` (assembly) reads no variadic state.
@_silgen_name("syscall")
private func cgroupSyscall(_ number: Int, _ command: Int, _ attributes: UnsafeMutableRawPointer?, _ size: Int) -> Int

/// The two `bpf(2)` commands the device filter needs: load a program, attach it to a cgroup directory.
enum CgroupBPF {
  #if arch(x86_64)
    private static let bpfNumber = 321
  #elseif arch(arm64)
    private static let bpfNumber = 280
  #else
    private static let bpfNumber = -1
  #endif

  private static let progLoad = 5
  private static let progAttach = 8
  private static let progTypeCgroupDevice: UInt32 = 15
  private static let attachTypeCgroupDevice: UInt32 = 6

  /// Loads `instructions` as a cgroup device program; returns its fd. Loaded without a verifier log first (a log
  /// buffer that turns out too small fails the load with ENOSPC); a failure is retried with a large log so the
  /// error can carry the verifier's reason.
  static func loadDeviceProgram(_ instructions: [UInt64], for directory: String) throws(CgroupError) -> Int32 {
    let fd = load(instructions, logSize: 0).result
    if fd >= 0 { return Int32(fd) }
    let (result, code, log) = load(instructions, logSize: 1 << 18)
    if result >= 0 { return Int32(result) }
    let reason = log.split(separator: "\n").suffix(3).joined(separator: "; ")
    throw .deviceFilterFailed(path: directory, operation: "load (\(reason))", errno: code)
  }

  private static func load(_ instructions: [UInt64], logSize: Int) -> (result: Int, errno: Int32, log: String) {
    var program = instructions
    let count = UInt32(program.count)
    var log = [UInt8](repeating: 0, count: max(logSize, 1))
    var attributes = [UInt8](repeating: 0, count: 128)
    let license = Array("Apache-2.0".utf8CString)
    let result: Int = program.withUnsafeMutableBytes { code in
      log.withUnsafeMutableBytes { logBuffer in
        license.withUnsafeBytes { licenseBuffer in
          attributes.withUnsafeMutableBytes { attr in
            attr.storeBytes(of: progTypeCgroupDevice, toByteOffset: 0, as: UInt32.self)
            attr.storeBytes(of: count, toByteOffset: 4, as: UInt32.self)
            attr.storeBytes(of: address(code.baseAddress), toByteOffset: 8, as: UInt64.self)
            attr.storeBytes(of: address(licenseBuffer.baseAddress), toByteOffset: 16, as: UInt64.self)
            if logSize > 0 {
              attr.storeBytes(of: UInt32(1), toByteOffset: 24, as: UInt32.self)  // log_level
              attr.storeBytes(of: UInt32(logSize), toByteOffset: 28, as: UInt32.self)
              attr.storeBytes(of: address(logBuffer.baseAddress), toByteOffset: 32, as: UInt64.self)
            }
            return call(progLoad, attr.baseAddress, attr.count)
          }
        }
      }
    }
    let code = errno
    return (result, code, String(decoding: log.prefix(while: { $0 != 0 }), as: UTF8.self))
  }

  /// Attaches (or, in the default non-multi mode, replaces) the device program of the cgroup at `directory`.
  static func attachDeviceProgram(_ program: Int32, to directory: String) throws(CgroupError) {
    let cgroup = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard cgroup >= 0 else { throw .deviceFilterFailed(path: directory, operation: "open", errno: errno) }
    defer { close(cgroup) }
    var attributes = [UInt8](repeating: 0, count: 128)
    let result = attributes.withUnsafeMutableBytes { attr in
      attr.storeBytes(of: UInt32(cgroup), toByteOffset: 0, as: UInt32.self)
      attr.storeBytes(of: UInt32(program), toByteOffset: 4, as: UInt32.self)
      attr.storeBytes(of: attachTypeCgroupDevice, toByteOffset: 8, as: UInt32.self)
      return call(progAttach, attr.baseAddress, attr.count)
    }
    guard result == 0 else { throw .deviceFilterFailed(path: directory, operation: "attach", errno: errno) }
  }

  /// Compiles, loads and attaches `filter` to the cgroup at `directory`.
  static func apply(_ filter: CgroupDeviceFilter, to directory: String) throws(CgroupError) {
    let program = try loadDeviceProgram(filter.instructions, for: directory)
    defer { close(program) }  // the attachment keeps the program alive
    try attachDeviceProgram(program, to: directory)
  }

  private static func call(_ command: Int, _ attributes: UnsafeMutableRawPointer?, _ size: Int) -> Int {
    guard bpfNumber >= 0 else {
      errno = ENOSYS
      return -1
    }
    return cgroupSyscall(bpfNumber, command, attributes, size)
  }

  private static func address(_ pointer: UnsafeRawPointer?) -> UInt64 {
    UInt64(UInt(bitPattern: pointer))
  }

  private static func address(_ pointer: UnsafeMutableRawPointer?) -> UInt64 {
    UInt64(UInt(bitPattern: pointer))
  }
}
