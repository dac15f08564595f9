import OCI

/// The device cgroup rules a container gets beyond its config's own: one per `linux.devices` entry, so the nodes
/// the runtime creates can be used. The standard nodes (null, zero, full, random, urandom, tty, console, ptmx,
/// pts, mknod) are allowed by the cgroup driver itself (``Cgroups/defaultAllowedDevices``), after these, as runc
/// and crun do: a `runc spec` config denies everything and relies on them.
enum DefaultDevices {
  /// `resources` with one rule per `linux.devices` entry appended, when the config restricts devices at all.
  static func apply(_ resources: LinuxResources?, devices: [Spec.Device]?) -> LinuxResources? {
    guard var r = resources, let own = r.devices, !own.isEmpty else { return resources }
    var rules = own
    // A FIFO ("p") is no device to the devices controller, which has no rule type for it.
    for d in devices ?? [] where d.type != "p" {
      rules.append(
        .init(allow: true, type: d.type == "u" ? "c" : d.type, major: d.major, minor: d.minor, access: "rwm"))
    }
    r.devices = rules
    return r
  }
}
