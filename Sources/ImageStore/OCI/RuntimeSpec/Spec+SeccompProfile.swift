#if canImport(Glibc)
  import Glibc
#endif

extension Spec {
  /// A seccomp profile in Docker's format (`docker run --security-opt seccomp=FILE`, moby's `default.json`,
  /// containers-common's `seccomp.json`): the runtime-spec's `linux.seccomp` plus what makes one file serve every
  /// container, the rules that apply only with some capabilities, on some architectures or from some kernel on,
  /// and an `archMap` naming the architectures a filter must also cover on each host. ``resolved(capabilities:architecture:kernel:)``
  /// turns it into the `linux.seccomp` of one container, as Docker does when it creates the container.
  public struct SeccompProfile: Hashable, Sendable, Codable {
    public var defaultAction: String
    public var defaultErrnoRet: UInt32?
    /// The older form of `archMap`: the architectures, whatever the host. A profile has one or the other.
    public var architectures: [String]?
    public var archMap: [ArchitectureGroup]?
    public var flags: [String]?
    public var listenerPath: String?
    public var syscalls: [Rule]?

    public init(
      defaultAction: String, defaultErrnoRet: UInt32? = nil, archMap: [ArchitectureGroup]? = nil,
      syscalls: [Rule]? = nil
    ) {
      self.defaultAction = defaultAction
      self.defaultErrnoRet = defaultErrnoRet
      self.archMap = archMap
      self.syscalls = syscalls
    }

    /// A host architecture and the ones its kernel also runs (`SCMP_ARCH_X86_64` runs x86 and x32 programs): a
    /// filter that left them out would let a 32-bit syscall through by another number.
    public struct ArchitectureGroup: Hashable, Sendable, Codable {
      public var architecture: String
      public var subArchitectures: [String]?
      public init(architecture: String, subArchitectures: [String]? = nil) {
        self.architecture = architecture
        self.subArchitectures = subArchitectures
      }
    }

    /// One rule: the runtime-spec's syscall entry, applied only when `includes` holds and `excludes` does not.
    public struct Rule: Hashable, Sendable, Codable {
      /// The older single-name form, kept because Docker still reads it.
      public var name: String?
      public var names: [String]?
      public var action: String
      public var errnoRet: UInt32?
      public var args: [Seccomp.Arg]?
      public var comment: String?
      public var includes: Filter?
      public var excludes: Filter?

      public init(
        _ names: [String], action: String = "SCMP_ACT_ALLOW", errnoRet: UInt32? = nil, args: [Seccomp.Arg]? = nil,
        includes: Filter? = nil, excludes: Filter? = nil
      ) {
        self.names = names
        self.action = action
        self.errnoRet = errnoRet
        self.args = args
        self.includes = includes
        self.excludes = excludes
      }
    }

    /// When a rule applies. `includes`: every listed capability is held, the host is one of the listed
    /// architectures (Go's names: `amd64`, `arm64`, `x86`...) and its kernel is at least `minKernel`.
    /// `excludes`: any listed capability is held, or the host is one of the architectures, or the kernel is at
    /// least `minKernel`. An empty list does not constrain.
    public struct Filter: Hashable, Sendable, Codable {
      public var caps: [String]?
      public var arches: [String]?
      public var minKernel: String?
      public init(caps: [String]? = nil, arches: [String]? = nil, minKernel: String? = nil) {
        self.caps = caps
        self.arches = arches
        self.minKernel = minKernel
      }
    }

    /// The `linux.seccomp` for a container holding `capabilities` (its bounding set) on a host of `architecture`
    /// (Go's name, as `includes.arches` says it) running `kernel` (major, minor). Throws on a profile Docker
    /// refuses too: `architectures` with `archMap`, a rule with both `name` and `names` or neither, a bad
    /// `minKernel`.
    public func resolved(
      capabilities: [String], architecture: String = SeccompProfile.hostArchitecture,
      kernel: (Int, Int) = SeccompProfile.hostKernel
    ) throws(SpecError) -> Seccomp {
      if architectures?.isEmpty == false, archMap?.isEmpty == false {
        throw .invalidField("seccomp", reason: "'architectures' and 'archMap' were specified together")
      }
      let caps = Set(capabilities)
      var out = Seccomp(defaultAction: defaultAction)
      out.defaultErrnoRet = defaultErrnoRet
      out.flags = flags
      out.listenerPath = listenerPath
      if let architectures {
        out.architectures = architectures
      } else if let native = Self.scmpArchitecture[architecture],
        let group = (archMap ?? []).first(where: { $0.architecture == native })
      {
        out.architectures = [group.architecture] + (group.subArchitectures ?? [])
      }
      var rules = [Seccomp.Syscall]()
      for (i, rule) in (syscalls ?? []).enumerated() {
        let field = "seccomp.syscalls[\(i)]"
        let names: [String]
        switch (rule.name, rule.names) {
        case (let name?, nil): names = [name]
        case (nil, let list?) where !list.isEmpty: names = list
        case (_?, _?): throw .invalidField(field, reason: "'name' and 'names' were specified together")
        default: throw .invalidField(field, reason: "no syscall names")
        }
        if let ex = rule.excludes {
          if ex.arches?.contains(architecture) == true { continue }
          if ex.caps?.contains(where: caps.contains) == true { continue }
          if let v = ex.minKernel, try Self.atLeast(kernel, v, field: field + ".excludes.minKernel") { continue }
        }
        if let inc = rule.includes {
          if let a = inc.arches, !a.isEmpty, !a.contains(architecture) { continue }
          if let c = inc.caps, !c.allSatisfy(caps.contains) { continue }
          if let v = inc.minKernel, try !Self.atLeast(kernel, v, field: field + ".includes.minKernel") { continue }
        }
        rules.append(Seccomp.Syscall(names: names, action: rule.action, errnoRet: rule.errnoRet, args: rule.args))
      }
      out.syscalls = rules
      return out
    }

    static func atLeast(_ kernel: (Int, Int), _ text: String, field: String) throws(SpecError) -> Bool {
      let parts = text.split(separator: ".").map { Int($0) }
      guard parts.count == 2, let major = parts[0], let minor = parts[1] else {
        throw .invalidField(field, reason: "\"\(text)\" is not a kernel version (MAJOR.MINOR)")
      }
      return kernel >= (major, minor)
    }

    /// Go's architecture names (what `includes.arches` lists) to libseccomp's.
    static let scmpArchitecture = [
      "amd64": "SCMP_ARCH_X86_64", "386": "SCMP_ARCH_X86", "arm64": "SCMP_ARCH_AARCH64", "arm": "SCMP_ARCH_ARM",
      "mips64": "SCMP_ARCH_MIPS64", "mips64le": "SCMP_ARCH_MIPSEL64", "ppc64le": "SCMP_ARCH_PPC64LE",
      "s390x": "SCMP_ARCH_S390X", "riscv64": "SCMP_ARCH_RISCV64",
    ]

    /// This host's architecture in Go's naming, from uname(2).
    public static let hostArchitecture: String = {
      let machine = unameFields().machine
      let go = [
        "x86_64": "amd64", "i686": "386", "i386": "386", "aarch64": "arm64", "armv7l": "arm", "armv8l": "arm",
        "mips64": "mips64", "ppc64le": "ppc64le", "s390x": "s390x", "riscv64": "riscv64",
      ]
      return go[machine] ?? machine
    }()

    /// This host's kernel (major, minor), from uname(2).
    public static let hostKernel: (Int, Int) = {
      let parts = unameFields().release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
      return parts.count == 2 ? (parts[0], parts[1]) : (0, 0)
    }()

    private static func unameFields() -> (machine: String, release: String) {
      var u = utsname()
      _ = uname(&u)
      func text<T>(_ field: inout T) -> String {
        withUnsafeBytes(of: &field) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
      }
      return (text(&u.machine), text(&u.release))
    }
  }
}
