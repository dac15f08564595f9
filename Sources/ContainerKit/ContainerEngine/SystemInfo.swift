/// The engine and its host, as Docker's `info` (`GET /info`) reports their essentials: what runs, what is stored,
/// where, and on what kernel.
public struct SystemInfo: Sendable, Hashable {
  /// Containers of the state root, in any state.
  public var containers: Int
  /// Those running (paused ones included in neither of the two below).
  public var containersRunning: Int
  /// Those paused.
  public var containersPaused: Int
  /// Those not running: created, exited or dead.
  public var containersStopped: Int
  /// Images in the store (one per ID, however many tags).
  public var images: Int
  /// Docker's storage driver name for the snapshots: `overlay2`.
  public var driver: String
  /// How container output is kept: `json-file`.
  public var loggingDriver: String
  /// `1` or `2`: the cgroup hierarchy the host mounts.
  public var cgroupVersion: String
  /// The kernel's release (`uname -r`).
  public var kernelVersion: String
  /// The host's distribution (`/etc/os-release`'s `PRETTY_NAME`), else `Linux`.
  public var operatingSystem: String
  /// `linux`.
  public var osType: String
  /// The machine (`uname -m`: `x86_64`, `aarch64`).
  public var architecture: String
  /// CPUs available.
  public var ncpu: Int
  /// Physical memory, in bytes.
  public var memTotal: Int64
  /// The state root (Docker's `DockerRootDir`).
  public var rootDirectory: String
  /// The host's name.
  public var name: String
  /// The engine's version (Docker's `ServerVersion`).
  public var serverVersion: String
}
