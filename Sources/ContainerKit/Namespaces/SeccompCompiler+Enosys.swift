import CSeccomp
import OCI

/// A syscall newer than every syscall a profile names fails with ENOSYS, not the profile's default EPERM, as runc
/// does: the profile cannot have meant to refuse a call it predates, and programs (glibc's `fchmodat` trying
/// `fchmodat2`, `clone3`, `faccessat2`...) fall back to the older call only on ENOSYS. libseccomp has no such
/// rule, so a few instructions go before its program: per architecture, a syscall number above the highest one
/// the profile names returns ENOSYS; anything else goes on to libseccomp's program, whose jumps are relative and
/// so unchanged. x32 numbers (bit 30 set on x86_64) are left to libseccomp.
extension SeccompCompiler {
  static let enosys: UInt32 = 0x0005_0000 | 38  // SECCOMP_RET_ERRNO | ENOSYS

  /// The stub for `profile` on `architectures` (libseccomp tokens, the native one included); empty when the
  /// default action already lets unknown syscalls through.
  static func enosysStub(_ profile: Spec.Seccomp, architectures: [UInt32]) -> [UInt8] {
    guard !["SCMP_ACT_ALLOW", "SCMP_ACT_LOG"].contains(profile.defaultAction) else { return [] }
    let names = Set((profile.syscalls ?? []).flatMap(\.names))
    var out = [UInt8]()
    for arch in architectures where arch != x32 {
      let highest = names.map { seccomp_syscall_resolve_name_arch(arch, $0) }.filter { $0 >= 0 }.max()
      guard let highest else { continue }
      // ld arch; jeq ARCH ? next : end; ld nr; [jge x32 bit ? end : next]; jgt HIGHEST ? next : end; ret ENOSYS
      let x86_64 = arch == seccomp_arch_resolve_name("x86_64")
      var block: [(code: UInt16, jt: UInt8, jf: UInt8, k: UInt32)] = [
        (0x20, 0, 0, 4), (0x15, 0, 0, arch), (0x20, 0, 0, 0),
      ]
      if x86_64 { block.append((0x35, 0, 0, 0x4000_0000)) }
      block.append((0x25, 0, 0, UInt32(highest)))
      block.append((0x06, 0, 0, enosys))
      let end = block.count
      block[1].jf = UInt8(end - 2)
      if x86_64 { block[3].jt = UInt8(end - 4) }
      block[end - 2].jf = 1
      for i in block {
        withUnsafeBytes(of: i.code.littleEndian) { out += $0 }
        out += [i.jt, i.jf]
        withUnsafeBytes(of: i.k.littleEndian) { out += $0 }
      }
    }
    return out
  }

  static var x32: UInt32 { seccomp_arch_resolve_name("x32") }
}
