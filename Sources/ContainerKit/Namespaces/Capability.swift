import OCI

#if canImport(Glibc)
  import Glibc
#endif

/// Linux capability names (`CAP_SYS_ADMIN`) and their numbers, as the kernel headers define them.
public enum Capability {
  /// By number: a name's index is its number.
  public static let names = Spec.allCapabilities

  /// The highest capability this kernel knows; capabilities above it are ignored, as runc does.
  public static let last: Int = {
    guard let text = SysFile.read("/proc/sys/kernel/cap_last_cap"),
      let n = Int(text.filter { $0.isNumber })
    else { return names.count - 1 }
    return n
  }()

  /// This process's bounding set (`CapBnd` of /proc/self/status), read once. Not even root can grant a capability
  /// outside it: a host (or an outer container) that dropped `CAP_SYS_RESOURCE` from it makes `capset` refuse any
  /// set that names it. Every capability up to ``last`` when the file cannot be read.
  public static let bounding: UInt64 = {
    let everything = last >= 63 ? UInt64.max : (UInt64(1) << UInt64(last + 1)) - 1
    guard let status = SysFile.read("/proc/self/status"),
      let line = status.split(separator: "\n").first(where: { $0.hasPrefix("CapBnd:") }),
      let mask = UInt64(line.dropFirst("CapBnd:".count).filter { !$0.isWhitespace }, radix: 16)
    else { return everything }
    return mask & everything
  }()

  /// The names this process can grant, in the kernel's order: known to it and in the bounding set. What Docker
  /// gives `--privileged` and `--cap-add ALL` (the capabilities of its own environment, not a fixed list).
  public static var available: [String] {
    names.indices.filter { $0 <= last && bounding & (UInt64(1) << UInt64($0)) != 0 }.map { names[$0] }
  }

  /// The bit mask of `list`; `field` names the config field in the error for an unknown name. Capabilities above
  /// the kernel's ``last`` are left out, as runc does.
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

  /// The names of the bits of `mask`, in the kernel's order.
  public static func names(in mask: UInt64) -> [String] {
    names.indices.filter { mask & (UInt64(1) << UInt64($0)) != 0 }.map { names[$0] }
  }
}
