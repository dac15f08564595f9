import Namespaces
import OCI
import Testing

@Suite("Plan building: options, capabilities, seccomp")
struct PlanTests {
  @Test("mount options split into flags, propagation, bind and data")
  func mountOptions() {
    let o = MountOptions(["nosuid", "noexec", "ro", "rw", "mode=755", "size=65536k", "rslave", "rbind"])
    #expect(o.flags == MountOptions.nosuid | MountOptions.noexec)
    #expect(o.propagation == MountOptions.slave | MountOptions.rec)
    #expect(o.bind == .rbind)
    #expect(o.data == ["mode=755", "size=65536k"])
  }

  @Test("capability names map to the kernel's bits")
  func capabilities() throws {
    let m = try Capability.mask(["CAP_CHOWN", "CAP_KILL", "sys_admin"], field: "f")
    #expect(m == (1 << 0) | (1 << 5) | (1 << 21))
    #expect(throws: NamespaceError.invalidConfig(field: "f[0]", reason: "unknown capability \"CAP_FLY\"")) {
      try Capability.mask(["CAP_FLY"], field: "f")
    }
  }

  @Test("libseccomp compiles a profile to BPF; bad names are errors naming the field")
  func seccomp() throws {
    let profile = Spec.Seccomp(
      defaultAction: "SCMP_ACT_ALLOW",
      syscalls: [
        .init(names: ["mkdir", "mkdirat", "no_such_syscall"], action: "SCMP_ACT_ERRNO", errnoRet: 1),
        .init(names: ["personality"], action: "SCMP_ACT_ERRNO", args: [.init(index: 0, value: 8, op: "SCMP_CMP_EQ")]),
      ])
    let program = try SeccompCompiler.compile(profile)
    // Arch check, syscall loads, two or more comparisons, returns: a real program, a multiple of 8 bytes.
    #expect(program.filter.count % 8 == 0)
    #expect(program.instructionCount > 6)
    var bad = profile
    bad.defaultAction = "SCMP_ACT_DANCE"
    #expect { _ = try SeccompCompiler.compile(bad) } throws: { "\($0)".contains("linux.seccomp.defaultAction") }
    bad = profile
    bad.syscalls?[1].args?[0].op = "SCMP_CMP_ALMOST"
    #expect { _ = try SeccompCompiler.compile(bad) } throws: {
      "\($0)".contains("linux.seccomp.syscalls[1].args[0].op")
    }
  }

  @Test("joined namespaces: user first, and a pid namespace takes the double fork")
  func joinOrder() throws {
    var spec = Spec.container(rootfs: "/r", args: ["true"])
    spec.linux?.namespaces = [
      Spec.Namespace(.mount), Spec.Namespace(.network, path: "/proc/1/ns/net"),
      Spec.Namespace(.user, path: "/proc/1/ns/user"),
    ]
    let plan = try ChildPlan(spec: spec, bundle: "/") { _ in false }
    #expect(plan.join.map(\.type) == [.user, .network])
    #expect(plan.newNamespaces == [.mount])
    #expect(plan.needsDoubleFork)
  }
}
