#if canImport(Glibc)
  import Glibc
#endif

/// Linux capability names (`CAP_SYS_ADMIN`) and their numbers, as the kernel headers define them.
public enum Capability {
  public static let names = [
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
    "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
    "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
  ]

  /// The highest capability this kernel knows; capabilities above it are ignored, as runc does.
  public static let last: Int = {
    guard let text = SysFile.read("/proc/sys/kernel/cap_last_cap"),
      let n = Int(text.filter { $0.isNumber })
    else { return names.count - 1 }
    return n
  }()

  /// The bit mask of `list`; `field` names the config field in the error for an unknown name.
  public static func mask(_ list: [String]?, field: String) throws(NamespaceError) -> UInt64 {
    var m: UInt64 = 0
    for (i, name) in (list ?? []).enumerated() {
      let upper = name.uppercased()
      let full = upper.hasPrefix("CAP_") ? upper : "CAP_" + upper
      guard let n = names.firstIndex(of: full) else {
        throw .invalidConfig(field: "\(field)[\(i)]", reason: "unknown capability \"\(name)\"")
      }
      if n <= last { m |= 1 << UInt64(n) }
    }
    return m
  }
}
