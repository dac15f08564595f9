import Foundation
import OCI
import Testing

/// Docker's profile format and the built-in default: which rules apply for which capabilities, architectures and
/// kernels, and how the default compares with the maintained profile Debian ships (containers-common).
@Suite struct SeccompProfileTests {
  static let defaultCaps = Spec.defaultCapabilities

  static func allowed(_ s: Spec.Seccomp) -> Set<String> {
    Set((s.syscalls ?? []).filter { $0.action == "SCMP_ACT_ALLOW" }.flatMap(\.names))
  }

  static func rules(_ s: Spec.Seccomp, _ name: String) -> [Spec.Seccomp.Syscall] {
    (s.syscalls ?? []).filter { $0.names.contains(name) }
  }

  @Test func defaultProfileForDefaultCapabilities() throws {
    let s = try Spec.SeccompProfile.docker.resolved(
      capabilities: Self.defaultCaps, architecture: "amd64", kernel: (6, 18))
    #expect(s.defaultAction == "SCMP_ACT_ERRNO" && s.defaultErrnoRet == 1)
    #expect(s.architectures == ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"])
    let allowed = Self.allowed(s)
    #expect(allowed.isSuperset(of: ["read", "execve", "arch_prctl", "modify_ldt", "chroot", "ptrace", "socket"]))
    for name in [
      "mount", "umount2", "unshare", "setns", "keyctl", "add_key", "bpf", "kexec_load", "init_module", "reboot",
      "kcmp", "pidfd_getfd", "io_uring_setup", "userfaultfd", "open_by_handle_at", "perf_event_open",
    ] {
      #expect(!allowed.contains(name), "\(name) is allowed")
    }
    // clone only without namespace flags; clone3 answers ENOSYS so that glibc falls back to clone.
    let clone = Self.rules(s, "clone")
    #expect(clone.count == 1 && clone[0].args?.first?.op == "SCMP_CMP_MASKED_EQ" && clone[0].args?.first?.index == 0)
    #expect(clone[0].args?.first?.value == 0x7E02_0000)
    #expect(
      Self.rules(s, "clone3") == [Spec.Seccomp.Syscall(names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: 38)])
    #expect(Self.rules(s, "personality").compactMap { $0.args?.first?.value } == [0, 8, 0x20000, 0x20008, 0xffff_ffff])
    #expect(Self.rules(s, "socket").first?.args == [Spec.Seccomp.Arg(index: 0, value: 40, op: "SCMP_CMP_NE")])
  }

  @Test func capabilitiesArchitecturesAndKernelsSelectRules() throws {
    let admin = try Spec.SeccompProfile.docker.resolved(
      capabilities: Self.defaultCaps + ["CAP_SYS_ADMIN"], architecture: "amd64", kernel: (6, 18))
    #expect(Self.allowed(admin).isSuperset(of: ["mount", "unshare", "setns", "clone", "clone3", "bpf", "fsopen"]))
    #expect(Self.rules(admin, "clone3").allSatisfy { $0.action == "SCMP_ACT_ALLOW" })
    #expect(Self.rules(admin, "clone").allSatisfy { $0.args == nil })

    for (cap, names) in [
      ("CAP_SYS_PTRACE", ["kcmp", "pidfd_getfd", "process_madvise"]), ("CAP_SYS_BOOT", ["reboot"]),
      ("CAP_SYS_MODULE", ["init_module", "finit_module", "delete_module"]), ("CAP_SYS_TIME", ["settimeofday"]),
      ("CAP_SYS_NICE", ["mbind", "set_mempolicy"]), ("CAP_SYS_PACCT", ["acct"]), ("CAP_SYS_RAWIO", ["iopl"]),
      ("CAP_SYSLOG", ["syslog"]), ("CAP_SYS_TTY_CONFIG", ["vhangup"]), ("CAP_BPF", ["bpf"]),
      ("CAP_PERFMON", ["perf_event_open"]), ("CAP_DAC_READ_SEARCH", ["open_by_handle_at"]),
    ] {
      let s = try Spec.SeccompProfile.docker.resolved(capabilities: Self.defaultCaps + [cap], architecture: "amd64")
      #expect(Self.allowed(s).isSuperset(of: names), "\(cap)")
      #expect(!Self.allowed(s).contains("mount"), "\(cap) opens mount")
    }
    let dropped = try Spec.SeccompProfile.docker.resolved(capabilities: ["CAP_KILL"], architecture: "amd64")
    #expect(!Self.allowed(dropped).contains("chroot"))

    let arm = try Spec.SeccompProfile.docker.resolved(capabilities: Self.defaultCaps, architecture: "arm64")
    #expect(arm.architectures == ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"])
    #expect(Self.allowed(arm).contains("cacheflush") && !Self.allowed(arm).contains("arch_prctl"))
    let s390 = try Spec.SeccompProfile.docker.resolved(capabilities: Self.defaultCaps, architecture: "s390x")
    #expect(Self.rules(s390, "clone").map { $0.args?.first?.index } == [1])

    let old = try Spec.SeccompProfile.docker.resolved(
      capabilities: Self.defaultCaps, architecture: "amd64", kernel: (4, 4))
    #expect(!Self.allowed(old).contains("ptrace"))
  }

  /// What Docker refuses to load is refused, naming the rule; the format round-trips through JSON.
  @Test func malformedProfilesAreRefusedAndTheFormatRoundTrips() throws {
    var both = Spec.SeccompProfile(defaultAction: "SCMP_ACT_ERRNO", archMap: [.init(architecture: "SCMP_ARCH_X86_64")])
    both.architectures = ["SCMP_ARCH_X86_64"]
    #expect { _ = try both.resolved(capabilities: []) } throws: { "\($0)".contains("archMap") }
    var rule = Spec.SeccompProfile.Rule(["read"])
    rule.name = "write"
    let twoNames = Spec.SeccompProfile(defaultAction: "SCMP_ACT_ERRNO", syscalls: [rule])
    #expect { _ = try twoNames.resolved(capabilities: []) } throws: { "\($0)".contains("seccomp.syscalls[0]") }
    let badKernel = Spec.SeccompProfile(
      defaultAction: "SCMP_ACT_ERRNO", syscalls: [.init(["read"], includes: .init(minKernel: "four"))])
    #expect { _ = try badKernel.resolved(capabilities: []) } throws: { "\($0)".contains("minKernel") }

    let data = try JSONEncoder().encode(Spec.SeccompProfile.docker)
    #expect(try JSONDecoder().decode(Spec.SeccompProfile.self, from: data) == .docker)
    #expect(
      Spec.Seccomp.docker(capabilities: Self.defaultCaps)
        == (try Spec.SeccompProfile.docker.resolved(capabilities: Self.defaultCaps)))
  }

  /// Ours allows nothing that containers-common's maintained profile (same format, read with the same resolver)
  /// denies for the same capabilities, except syscalls newer than that profile's list and three that Docker allows
  /// and Podman's list denies.
  @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/share/containers/seccomp.json")))
  func allowsNoMoreThanContainersCommon() throws {
    let data = try Data(contentsOf: URL(fileURLWithPath: "/usr/share/containers/seccomp.json"))
    let theirs = try JSONDecoder().decode(Spec.SeccompProfile.self, from: data)
    // Kernel 5.14-6.7 calls that the Debian 12 list predates; io_pgetevents and vmsplice, which Docker allows.
    let documented: Set<String> = [
      "cachestat", "fchmodat2", "map_shadow_stack", "futex_wait", "futex_wake", "futex_requeue", "futex_waitv",
      "io_pgetevents", "io_pgetevents_time64", "vmsplice", "quotactl_fd",
    ]
    for extra in [[], ["CAP_SYS_ADMIN"], ["CAP_SYS_PTRACE"], ["CAP_SYS_BOOT", "CAP_SYS_TIME", "CAP_SYS_MODULE"]] {
      let caps = Self.defaultCaps + extra
      let ours = Self.allowed(try Spec.SeccompProfile.docker.resolved(capabilities: caps, architecture: "amd64"))
      let their = Self.allowed(try theirs.resolved(capabilities: caps, architecture: "amd64"))
      #expect(ours.subtracting(their).subtracting(documented).isEmpty, "\(extra): \(ours.subtracting(their).sorted())")
    }
  }
}
