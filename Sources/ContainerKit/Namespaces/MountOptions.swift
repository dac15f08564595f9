/// `mounts[].options` split into what mount(2) takes: flags, propagation, bind mode and the data string.
public struct MountOptions: Hashable, Sendable {
  public var flags: UInt = 0
  public var propagation: UInt = 0
  public var bind: Bind = .none
  public var data: [String] = []

  public enum Bind: Int32, Sendable { case none = 0, bind = 1, rbind = 2 }

  public static let rdonly: UInt = 1
  public static let nosuid: UInt = 2
  public static let nodev: UInt = 4
  public static let noexec: UInt = 8
  public static let synchronous: UInt = 16
  public static let mandlock: UInt = 64
  public static let dirsync: UInt = 128
  public static let noatime: UInt = 1024
  public static let nodiratime: UInt = 2048
  public static let rec: UInt = 16384
  public static let unbindable: UInt = 1 << 17
  public static let `private`: UInt = 1 << 18
  public static let slave: UInt = 1 << 19
  public static let shared: UInt = 1 << 20
  public static let relatime: UInt = 1 << 21
  public static let strictatime: UInt = 1 << 24

  static let setting: [String: UInt] = [
    "ro": rdonly, "nosuid": nosuid, "nodev": nodev, "noexec": noexec, "sync": synchronous, "mand": mandlock,
    "dirsync": dirsync, "noatime": noatime, "nodiratime": nodiratime, "relatime": relatime,
    "strictatime": strictatime,
  ]
  static let clearing: [String: UInt] = [
    "rw": rdonly, "suid": nosuid, "dev": nodev, "exec": noexec, "async": synchronous, "nomand": mandlock,
    "atime": noatime, "diratime": nodiratime, "norelatime": relatime, "nostrictatime": strictatime,
  ]
  static let propagations: [String: UInt] = [
    "private": `private`, "rprivate": `private` | rec, "shared": shared, "rshared": shared | rec, "slave": slave,
    "rslave": slave | rec, "unbindable": unbindable, "runbindable": unbindable | rec,
  ]

  /// Parses mount(8) style options; anything that is not a flag is filesystem data (`mode=755`, `size=64k`).
  public init(_ options: [String]) {
    for o in options {
      if let f = Self.setting[o] {
        flags |= f
      } else if let f = Self.clearing[o] {
        flags &= ~f
      } else if let p = Self.propagations[o] {
        propagation = p
      } else if o == "bind" {
        bind = .bind
      } else if o == "rbind" {
        bind = .rbind
      } else if o == "defaults" || o == "tmpcopyup" || o.hasPrefix("x-") {
        continue
      } else {
        data.append(o)
      }
    }
  }

  /// `rootfsPropagation` of the spec, as propagation flags (recursive ones as named).
  public static func propagation(_ name: String) -> UInt? { propagations[name] }

  /// Every option this parser gives a meaning (the rest is filesystem data): the `mountOptions` of the runtime's
  /// features document.
  public static var known: [String] {
    (Array(setting.keys) + Array(clearing.keys) + Array(propagations.keys) + ["bind", "rbind", "defaults"]).sorted()
  }
}
