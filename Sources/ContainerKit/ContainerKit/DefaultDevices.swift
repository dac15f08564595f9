import OCI

/// The device cgroup rules every container gets after its config's own (as runc adds them): a `runc spec` config
/// denies all devices, and the container still needs /dev/null, the ptys and the other standard nodes.
enum DefaultDevices {
  static let rules: [LinuxResources.DeviceRule] = [
    .init(allow: true, type: "c", major: 1, minor: 3, access: "rwm"),  // null
    .init(allow: true, type: "c", major: 1, minor: 5, access: "rwm"),  // zero
    .init(allow: true, type: "c", major: 1, minor: 7, access: "rwm"),  // full
    .init(allow: true, type: "c", major: 1, minor: 8, access: "rwm"),  // random
    .init(allow: true, type: "c", major: 1, minor: 9, access: "rwm"),  // urandom
    .init(allow: true, type: "c", major: 5, minor: 0, access: "rwm"),  // tty
    .init(allow: true, type: "c", major: 5, minor: 1, access: "rwm"),  // console
    .init(allow: true, type: "c", major: 5, minor: 2, access: "rwm"),  // ptmx
    .init(allow: true, type: "c", major: 136, minor: nil, access: "rwm"),  // pts/*
  ]

  /// `resources` with the default rules and one rule per `linux.devices` entry appended, when the config
  /// restricts devices at all.
  static func apply(_ resources: LinuxResources?, devices: [Spec.Device]?) -> LinuxResources? {
    guard var r = resources, let own = r.devices, !own.isEmpty else { return resources }
    var rules = own + Self.rules
    for d in devices ?? [] {
      rules.append(
        .init(allow: true, type: d.type == "u" ? "c" : d.type, major: d.major, minor: d.minor, access: "rwm"))
    }
    r.devices = rules
    return r
  }
}
