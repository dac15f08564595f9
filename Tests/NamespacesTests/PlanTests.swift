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

  @Test("capabilities outside the bounding set are left out and named, unless in a user namespace of its own")
  func capabilitiesOutsideTheBoundingSet() throws {
    var process = Spec.Process(args: ["true"])
    let all = Array(Spec.allCapabilities.prefix(Capability.last + 1))
    process.capabilities = .all(all)
    var plan = ChildPlan()
    try plan.apply(process: process, field: "process")
    let missing = Capability.names(in: ~Capability.bounding & ((UInt64(1) << UInt64(Capability.last + 1)) - 1))
    #expect(plan.capabilities?.permitted == Capability.bounding)
    #expect(plan.capabilities?.bounding == Capability.bounding)
    #expect(plan.capabilities?.ignored == missing)
    #expect(Capability.available == all.filter { !missing.contains($0) })
    var inUserNamespace = ChildPlan()
    inUserNamespace.newNamespaces = [.user]
    try inUserNamespace.apply(process: process, field: "process")
    #expect(inUserNamespace.capabilities?.permitted == (UInt64(1) << UInt64(Capability.last + 1)) - 1)
    #expect(inUserNamespace.capabilities?.ignored == [])
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

  static let hybridMountInfo = """
    31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
    32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct
    35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
    40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,release_agent=/x,name=systemd
    41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate
    50 23 0:40 / /mnt/other rw - cgroup cgroup rw,pids
    """

  @Test("a cgroup mount on a hybrid host: tmpfs, one read-only mount per hierarchy, links for co-mounted controllers")
  func cgroupLayout() throws {
    var spec = Spec.container(rootfs: "/r", args: ["true"])
    spec.mounts = [
      Spec.Mount(destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["nosuid", "ro"])
    ]
    spec.linux?.namespaces?.append(Spec.Namespace(.cgroup))
    let view = CgroupView(mountInfo: Self.hybridMountInfo, cgroupPath: "ckit/web")
    #expect(view.hierarchies.map(\.name) == ["cpu,cpuacct", "memory", "systemd", "unified"])
    #expect(view.hierarchies.map(\.options) == [["cpu", "cpuacct"], ["memory"], ["name=systemd"], []])
    let plan = try ChildPlan(spec: spec, bundle: "/", cgroupView: view) { _ in false }
    let steps = plan.mounts.map { m in
      m.symlinkTarget.map { "link \(m.destination) -> \($0)" }
        ?? (m.remount
          ? "ro \(m.destination)"
          : "\(m.type ?? "bind") \(m.destination) \(m.options.data.joined(separator: ","))"
            + (m.options.flags & MountOptions.rdonly != 0 ? " (ro)" : ""))
    }
    #expect(
      steps == [
        "tmpfs /sys/fs/cgroup mode=755",
        "cgroup /sys/fs/cgroup/cpu,cpuacct cpu,cpuacct (ro)",
        "link /sys/fs/cgroup/cpu -> cpu,cpuacct", "link /sys/fs/cgroup/cpuacct -> cpu,cpuacct",
        "cgroup /sys/fs/cgroup/memory memory (ro)", "cgroup /sys/fs/cgroup/systemd name=systemd (ro)",
        "cgroup2 /sys/fs/cgroup/unified  (ro)",
        // The tmpfs turns read-only last, once the hierarchies' mount points are made in it.
        "ro /sys/fs/cgroup",
      ])
    // Without a namespace: the container's own directories, bound; without a cgroup either: an empty tmpfs.
    spec.linux?.namespaces?.removeAll { $0.type == .cgroup }
    let bound = try ChildPlan(spec: spec, bundle: "/", cgroupView: view) { _ in false }
    #expect(
      bound.mounts.filter { $0.options.bind == .bind }.map { $0.source ?? "" }.first
        == "/sys/fs/cgroup/cpu,cpuacct/ckit/web")
    var noCgroup = view
    noCgroup.cgroupPath = nil
    let empty = try ChildPlan(spec: spec, bundle: "/", cgroupView: noCgroup) { _ in false }
    #expect(empty.mounts.map(\.destination) == ["/sys/fs/cgroup", "/sys/fs/cgroup"])
    // A unified host: one cgroup2 mount.
    let unified = CgroupView(mountInfo: "30 23 0:27 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n")
    #expect(unified.unifiedOnly && unified.hierarchies.isEmpty)
    spec.linux?.namespaces?.append(Spec.Namespace(.cgroup))
    let v2 = try ChildPlan(spec: spec, bundle: "/", cgroupView: unified) { _ in false }
    #expect(
      v2.mounts.map { "\($0.type ?? "") \($0.destination) \($0.options.flags & MountOptions.rdonly)" } == [
        "cgroup2 /sys/fs/cgroup 1"
      ])
  }

  @Test("hook and time-offset fields are checked, naming the field")
  func hookAndTimeFields() throws {
    var spec = Spec.container(rootfs: "/r", args: ["true"])
    var hooks = Spec.Hooks()
    hooks.startContainer = [Spec.Hook(path: "relative/hook")]
    spec.hooks = hooks
    #expect { _ = try ChildPlan(spec: spec, bundle: "/") { _ in false } } throws: {
      "\($0)" == "invalid config: hooks.startContainer[0].path: must be absolute, got \"relative/hook\""
    }
    hooks.startContainer = [Spec.Hook(path: "/hook", timeout: 0)]
    spec.hooks = hooks
    #expect { _ = try ChildPlan(spec: spec, bundle: "/") { _ in false } } throws: {
      "\($0)" == "invalid config: hooks.startContainer[0].timeout: must be positive, got 0"
    }
    hooks.startContainer = [Spec.Hook(path: "/hook", args: ["hook", "-v"], env: ["A=1"], timeout: 3)]
    spec.hooks = hooks
    let plan = try ChildPlan(spec: spec, bundle: "/") { _ in false }
    #expect(
      plan.startContainerHooks == [ChildPlan.HookStep(path: "/hook", argv: ["hook", "-v"], env: ["A=1"], timeout: 3)])
  }
}
