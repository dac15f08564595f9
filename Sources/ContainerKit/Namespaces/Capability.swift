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
