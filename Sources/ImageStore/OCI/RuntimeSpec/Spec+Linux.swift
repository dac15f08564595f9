extension Spec {
  /// `linux`: the Linux-specific part: namespaces, id maps, cgroup resources, devices, security.
  public struct Linux: Hashable, Sendable, Codable {
    public var namespaces: [Namespace]?
    public var uidMappings: [IDMapping]?
    public var gidMappings: [IDMapping]?
    public var timeOffsets: [String: TimeOffset]?
    public var devices: [Device]?
    public var cgroupsPath: String?
    public var resources: LinuxResources?
    public var rootfsPropagation: String?
    public var seccomp: Seccomp?
    public var sysctl: [String: String]?
    public var maskedPaths: [String]?
    public var readonlyPaths: [String]?
    public var mountLabel: String?
    public var personality: Personality?
    public init(namespaces: [Namespace]? = nil) { self.namespaces = namespaces }
  }

  public struct Namespace: Hashable, Sendable, Codable {
    public var type: NamespaceType
    /// Joins the namespace at this path (`/proc/PID/ns/net`...) instead of creating one.
    public var path: String?
    public init(_ type: NamespaceType, path: String? = nil) {
      self.type = type
      self.path = path
    }
  }

  public enum NamespaceType: String, Hashable, Sendable, Codable, CaseIterable {
    case pid, network, mount, ipc, uts, user, cgroup, time
  }

  /// One line of `/proc/PID/uid_map`: `size` ids from `containerID` map to `hostID` upward.
  public struct IDMapping: Hashable, Sendable, Codable {
    public var containerID: UInt32
    public var hostID: UInt32
    public var size: UInt32
    public init(containerID: UInt32, hostID: UInt32, size: UInt32) {
      self.containerID = containerID
      self.hostID = hostID
      self.size = size
    }
  }

  public struct TimeOffset: Hashable, Sendable, Codable {
    public var secs: Int64?
    public var nanosecs: UInt32?
    public init(secs: Int64? = nil, nanosecs: UInt32? = nil) {
      self.secs = secs
      self.nanosecs = nanosecs
    }
  }

  public struct Device: Hashable, Sendable, Codable {
    public var type: String
    public var path: String
    public var major: Int64?
    public var minor: Int64?
    public var fileMode: UInt32?
    public var uid: UInt32?
    public var gid: UInt32?
    public init(type: String, path: String, major: Int64, minor: Int64, fileMode: UInt32? = 0o666) {
      self.type = type
      self.path = path
      self.major = major
      self.minor = minor
      self.fileMode = fileMode
    }
  }

  public struct Personality: Hashable, Sendable, Codable {
    public var domain: String
    public var flags: [String]?
  }
}
