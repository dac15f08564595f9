import OCI

extension ChildPlan {
  /// The standard devices of a container's /dev, as `runc spec` and Docker give them.
  package static let defaultDevices: [(String, UInt32, UInt32)] = [
    ("/dev/null", 1, 3), ("/dev/zero", 1, 5), ("/dev/full", 1, 7), ("/dev/random", 1, 8), ("/dev/urandom", 1, 9),
    ("/dev/tty", 5, 0),
  ]

  /// The plan for a container's first process from its config. `bundle` resolves relative paths (`root.path`,
  /// bind sources); `isFile` tells a bind source that is not a directory (the destination is then created as a
  /// file).
  ///
  /// `cgroupView` lays out `cgroup` mounts (the host's hierarchies and the container's cgroup); nil reads the
  /// host's, without a cgroup path.
  public init(spec: Spec, bundle: String, cgroupView: CgroupView? = nil, isFile: (String) -> Bool)
    throws(NamespaceError)
  {
    self.init()
    do { try spec.validate() } catch {
      guard case .invalidField(let field, let reason) = error else { throw .invalidConfig(field: "?", reason: "") }
      throw .invalidConfig(field: field, reason: reason)
    }
    guard let process = spec.process, let root = spec.root else {
      throw .invalidConfig(field: "process", reason: "missing")
    }
    let linux = spec.linux ?? Spec.Linux()
    for ns in linux.namespaces ?? [] {
      if let path = ns.path, !path.isEmpty {
        join.append(Join(type: ns.type, path: path))
      } else {
        newNamespaces.insert(ns.type)
      }
    }
    // The user namespace is joined first: the others are owned by it.
    join.sort { a, b in a.type == .user && b.type != .user }
    uidMappings = linux.uidMappings ?? []
    gidMappings = linux.gidMappings ?? []

    rootfs = Self.resolve(root.path, in: bundle)
    rootfsReadonly = root.readonly ?? false
    if let p = linux.rootfsPropagation {
      guard let flags = MountOptions.propagation(p) else {
        throw .invalidConfig(field: "linux.rootfsPropagation", reason: "unknown propagation \"\(p)\"")
      }
      rootfsPropagation = flags
    }
    var hasDev = false
    for m in spec.mounts ?? [] {
      var step = MountStep(
        source: m.source, destination: m.destination, type: m.type, options: MountOptions(m.options ?? []))
      if m.type == "bind", step.options.bind == .none { step.options.bind = .bind }
      if step.options.bind != .none, let source = m.source {
        let path = Self.resolve(source, in: bundle)
        step.source = path
        step.destinationIsFile = isFile(path)
      }
      switch m.type {
      case "sysfs": step.fallbackSource = "/sys"
      case "mqueue": step.fallbackSource = "/dev/mqueue"
      case "cgroup", "cgroup2":
        mounts += Self.cgroupSteps(
          step, view: cgroupView ?? .host(), namespace: newNamespaces.contains(.cgroup))
        continue
      default: break
      }
      if m.destination == "/dev" { hasDev = true }
      mounts.append(step)
    }
    if hasDev {
      devSymlinks = true
      for (path, major, minor) in Self.defaultDevices {
        devices.append(DeviceStep(path: path, hostPath: path, mode: 0o020666, major: major, minor: minor))
      }
    }
    for (i, d) in (linux.devices ?? []).enumerated() {
      let kind: UInt32
      switch d.type {
      case "c", "u": kind = 0o020000
      case "b": kind = 0o060000
      case "p": kind = 0o010000
      default: throw .invalidConfig(field: "linux.devices[\(i)].type", reason: "unknown device type \"\(d.type)\"")
      }
      devices.removeAll { $0.path == d.path }
      devices.append(
        DeviceStep(
          path: d.path, hostPath: d.path, mode: kind | (d.fileMode ?? 0o666) & 0o7777,
          major: UInt32(truncatingIfNeeded: d.major ?? 0), minor: UInt32(truncatingIfNeeded: d.minor ?? 0),
          uid: d.uid ?? 0, gid: d.gid ?? 0))
    }
    maskedPaths = linux.maskedPaths ?? []
    readonlyPaths = linux.readonlyPaths ?? []
    hooksBarrier = !(spec.hooks?.prestart ?? []).isEmpty || !(spec.hooks?.createRuntime ?? []).isEmpty
    createContainerHooks = (spec.hooks?.createContainer ?? []).map(HookStep.init)
    startContainerHooks = (spec.hooks?.startContainer ?? []).map(HookStep.init)
    if let offsets = linux.timeOffsets, !offsets.isEmpty {
      guard newNamespaces.contains(.time) else {
        throw .invalidConfig(field: "linux.timeOffsets", reason: "offsets need a new time namespace")
      }
      for (clock, offset) in offsets {
        guard clock == "monotonic" || clock == "boottime" else {
          throw .invalidConfig(field: "linux.timeOffsets.\(clock)", reason: "unknown clock (monotonic, boottime)")
        }
        guard (offset.nanosecs ?? 0) < 1_000_000_000 else {
          throw .invalidConfig(field: "linux.timeOffsets.\(clock).nanosecs", reason: "must be below 1000000000")
        }
      }
      timeOffsets = offsets
    }

    if newNamespaces.contains(.uts) {
      hostname = spec.hostname
      domainname = spec.domainname
    }
    for (key, value) in (linux.sysctl ?? [:]).sorted(by: { $0.key < $1.key }) {
      guard !key.isEmpty, !key.contains("/"), !key.contains("..") else {
        throw .invalidConfig(field: "linux.sysctl.\(key)", reason: "not a sysctl name")
      }
      sysctlPairs.append(Sysctl(file: "/proc/sys/" + key.replacingDots(), value: value))
    }
    if !newNamespaces.contains(.mount), !join.contains(where: { $0.type == .mount }) {
      leaveOutMounts(withDevices: !(linux.devices ?? []).isEmpty)
    }
    try apply(process: process, field: "process")
  }

  /// A container in the caller's mount namespace: mounting there would change the host's, so it gets none of the
  /// mount steps, only a chroot into its rootfs.
  mutating func leaveOutMounts(withDevices: Bool) {
    chrootOnly = true
    let left: [(String, Bool)] = [
      ("mounts", !mounts.isEmpty), ("linux.devices", withDevices),
      ("linux.maskedPaths", !maskedPaths.isEmpty), ("linux.readonlyPaths", !readonlyPaths.isEmpty),
      ("root.readonly", rootfsReadonly),
    ]
    ignoredWithoutMountNamespace = left.filter(\.1).map(\.0)
    mounts = []
    devices = []
    devSymlinks = false
    maskedPaths = []
    readonlyPaths = []
    rootfsReadonly = false
  }

  /// The process part, shared with `exec`: identity, privileges, limits, program.
  public mutating func apply(process: Spec.Process, field: String) throws(NamespaceError) {
    guard let args = process.args, !args.isEmpty else {
      throw .invalidConfig(field: "\(field).args", reason: "must not be empty")
    }
    argv = args
    env = process.env ?? []
    cwd = process.cwd
    uid = process.user.uid
    gid = process.user.gid
    umask = process.user.umask
    additionalGids = process.user.additionalGids ?? []
    noNewPrivileges = process.noNewPrivileges ?? false
    oomScoreAdj = process.oomScoreAdj
    rlimits = []
    for (i, r) in (process.rlimits ?? []).enumerated() {
      guard let n = ResourceLimit.numbers[r.type] else {
        throw .invalidConfig(field: "\(field).rlimits[\(i)].type", reason: "unknown rlimit \"\(r.type)\"")
      }
      rlimits.append(Rlimit(resource: n, soft: r.soft, hard: r.hard))
    }
    if let caps = process.capabilities {
      let f = "\(field).capabilities"
      var masks = Capabilities(
        bounding: try Capability.mask(caps.bounding, field: f + ".bounding"),
        effective: try Capability.mask(caps.effective, field: f + ".effective"),
        permitted: try Capability.mask(caps.permitted, field: f + ".permitted"),
        inheritable: try Capability.mask(caps.inheritable, field: f + ".inheritable"),
        ambient: try Capability.mask(caps.ambient, field: f + ".ambient"))
      masks.restrict(to: capabilityLimit)
      capabilities = masks
    } else {
      capabilities = nil
    }
  }

  /// What the process can be given. In a user namespace it creates or joins, every capability (the kernel gives
  /// the namespace a full bounding set); otherwise only the runtime's own bounding set: `capset` refuses more,
  /// even to root.
  var capabilityLimit: UInt64 {
    newNamespaces.contains(.user) || join.contains { $0.type == .user } ? UInt64.max : Capability.bounding
  }

  /// A `cgroup` mount as runc and crun lay it out. With a cgroup namespace each hierarchy is mounted anew, so the
  /// container's cgroup is its root; without one the container's own cgroup directories are bound in. Never the
  /// host's tree: with neither a namespace nor a cgroup, the mount is an empty tmpfs.
  static func cgroupSteps(_ m: MountStep, view: CgroupView, namespace: Bool) -> [MountStep] {
    let readonly = m.options.flags & MountOptions.rdonly != 0
    var flags = m.options
    flags.flags &= ~MountOptions.rdonly
    flags.data = []
    flags.bind = .none
    let destination = m.destination.hasSuffix("/") ? String(m.destination.dropLast()) : m.destination

    func mount(
      _ source: String, _ dest: String, type: String?, data: [String], bind: Bool, fallback: String? = nil
    ) -> [MountStep] {
      var options = flags
      options.data = data
      options.bind = bind ? .bind : .none
      // Read-only from the start, as runc does: a hierarchy gets nothing created in it, so a fresh mount is made
      // read-only and a bind is remounted once with all its flags (two mounts, not three).
      if readonly { options.flags |= MountOptions.rdonly }
      var step = MountStep(source: source, destination: dest, type: type, options: options)
      step.optional = bind
      // Where the kernel refuses the mount (older kernels in a user namespace), the container's own directory,
      // bound, is the same view.
      step.fallbackSource = fallback
      return [step]
    }
    func hostDirectory(_ mountPoint: String) -> String? {
      guard let path = view.cgroupPath?.split(separator: "/").joined(separator: "/"), !path.isEmpty else { return nil }
      return mountPoint + "/" + path
    }

    if view.unifiedOnly {
      if namespace {
        return mount(
          "cgroup2", destination, type: "cgroup2", data: [], bind: false, fallback: hostDirectory("/sys/fs/cgroup"))
      }
      if let dir = hostDirectory("/sys/fs/cgroup") { return mount(dir, destination, type: nil, data: [], bind: true) }
    }
    var steps: [MountStep] = []
    var tmpfs = MountStep(source: "tmpfs", destination: destination, type: "tmpfs", options: flags)
    tmpfs.options.data = ["mode=755"]
    steps.append(tmpfs)
    let canBind = view.cgroupPath.map { !$0.isEmpty } ?? false
    if namespace || canBind {
      for h in view.hierarchies {
        let dest = destination + "/" + h.name
        if namespace {
          steps += mount(
            "cgroup", dest, type: h.type, data: h.options, bind: false, fallback: hostDirectory(h.hostMount))
        } else if let dir = hostDirectory(h.hostMount) {
          steps += mount(dir, dest, type: nil, data: [], bind: true)
        }
        // Co-mounted controllers: `cpu` and `cpuacct` both lead to `cpu,cpuacct`.
        for controller in h.options where controller != h.name && !controller.contains("=") && h.options.count > 1 {
          var link = MountStep(
            source: nil, destination: destination + "/" + controller, type: nil, options: MountOptions([]))
          link.symlinkTarget = h.name
          steps.append(link)
        }
      }
    }
    if readonly {
      var ro = MountStep(source: nil, destination: destination, type: nil, options: MountOptions([]))
      ro.options.flags = m.options.flags
      ro.remount = true
      steps.append(ro)
    }
    return steps
  }

  static func resolve(_ path: String, in bundle: String) -> String {
    if path.hasPrefix("/") { return path }
    return bundle.hasSuffix("/") ? bundle + path : bundle + "/" + path
  }
}

extension String {
  fileprivate func replacingDots() -> String { String(map { $0 == "." ? "/" : $0 }) }
}
