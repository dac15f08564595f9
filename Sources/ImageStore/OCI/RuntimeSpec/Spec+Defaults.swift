extension Spec {
  /// The capabilities Docker grants by default: enough for ordinary programs, none that reach the host.
  public static let defaultCapabilities = [
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
    "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
    "CAP_AUDIT_WRITE",
  ]

  /// Every capability the kernel headers define, in the kernel's numbering (a name's index is its number). One
  /// list for the engine (names) and the runtime (numbers), so the two never disagree on what a name is; what
  /// `--privileged` and `--cap-add ALL` grant is the part of it the host's bounding set holds, as Docker does
  /// (`Capability.available`).
  public static let allCapabilities = [
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
    "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
    "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
  ]

  public static let defaultMaskedPaths = [
    "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
    "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
  ]

  public static let defaultReadonlyPaths = [
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
  ]

  /// The mounts every container gets, as Docker and `runc spec` lay them out.
  public static let defaultMounts: [Mount] = [
    Mount(destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"]),
    Mount(
      destination: "/dev", type: "tmpfs", source: "tmpfs",
      options: ["nosuid", "strictatime", "mode=755", "size=65536k"]
    ),
    Mount(
      destination: "/dev/pts", type: "devpts", source: "devpts",
      options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]),
    Mount(
      destination: "/dev/shm", type: "tmpfs", source: "shm",
      options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
    Mount(destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]),
    Mount(destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]),
    // The container's own cgroups, read-only: runtimes that size themselves from their limits (the JVM, Go's
    // GOMAXPROCS tools, .NET) read them here, and see the host's memory and CPUs without it.
    Mount(
      destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup",
      options: ["nosuid", "noexec", "nodev", "relatime", "ro"]),
  ]

  /// A spec with Docker's defaults for running `args` in `rootfs`: new pid, mount, ipc, uts and network
  /// namespaces, default capabilities, the caller's rlimits (raising them needs CAP_SYS_RESOURCE), masked and read-only /proc paths, Docker's seccomp profile, no new privileges.
  public static func container(
    rootfs: String, args: [String],
    env: [String] = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
    cwd: String = "/", hostname: String? = nil
  ) -> Spec {
    var process = Process(args: args, env: env, cwd: cwd)
    process.capabilities = .all(defaultCapabilities)
    var linux = Linux(namespaces: [
      Namespace(.pid), Namespace(.network), Namespace(.ipc), Namespace(.uts), Namespace(.mount),
    ])
    linux.maskedPaths = defaultMaskedPaths
    linux.readonlyPaths = defaultReadonlyPaths
    // Docker's default seccomp profile for these capabilities: who changes the capabilities resolves it again.
    linux.seccomp = .docker(capabilities: defaultCapabilities)
    return Spec(
      process: process, root: Root(path: rootfs), hostname: hostname, mounts: defaultMounts, linux: linux)
  }
}
