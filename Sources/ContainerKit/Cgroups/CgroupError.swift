import LinuxSystem

/// Why a cgroup operation failed, naming the file or directory and the errno so the message can be acted on.
public enum CgroupError: Error, Sendable, Hashable, CustomStringConvertible {
  /// No cgroup (v1 or v2) filesystem is mounted according to this mountinfo file.
  case noCgroupMount(mountInfo: String)
  /// The mountinfo file could not be read.
  case mountInfoUnreadable(path: String, errno: Int32)
  /// The cgroup path is empty, escapes its root (`..`) or has an invalid component.
  case invalidPath(String, reason: String)
  /// A resource asks for a controller this host (or this hierarchy) does not provide.
  case controllerUnavailable(controller: String, path: String)
  /// A resource value cannot be expressed (out of range, inconsistent with another field).
  case invalidResource(field: String, reason: String)
  /// The cgroup does not exist.
  case notFound(path: String)
  case createFailed(directory: String, errno: Int32)
  case removeFailed(directory: String, errno: Int32)
  case readFailed(file: String, errno: Int32)
  case writeFailed(file: String, value: String, errno: Int32)
  /// A control file held something this driver cannot parse.
  case unexpectedContent(file: String, content: String)
  /// The v2 device filter (an eBPF program) could not be loaded or attached; `operation` carries the verifier log.
  case deviceFilterFailed(path: String, operation: String, errno: Int32)
  /// The kernel did not reach the expected state in time (freeze, emptying before delete).
  case timeout(operation: String, path: String)

  public var description: String {
    switch self {
    case .noCgroupMount(let mountInfo): "no cgroup filesystem mounted (read \(mountInfo))"
    case .mountInfoUnreadable(let path, let errno): "read \(path): \(SystemError.reason(errno))"
    case .invalidPath(let path, let reason): "invalid cgroup path \"\(path)\": \(reason)"
    case .controllerUnavailable(let controller, let path):
      "cgroup controller \(controller) is not available for \(path)"
    case .invalidResource(let field, let reason): "invalid \(field): \(reason)"
    case .notFound(let path): "cgroup \(path) does not exist"
    case .createFailed(let directory, let errno): "mkdir \(directory): \(SystemError.reason(errno))"
    case .removeFailed(let directory, let errno): "rmdir \(directory): \(SystemError.reason(errno))"
    case .readFailed(let file, let errno): "read \(file): \(SystemError.reason(errno))"
    case .writeFailed(let file, let value, let errno): "write \"\(value)\" to \(file): \(SystemError.reason(errno))"
    case .unexpectedContent(let file, let content): "unexpected content in \(file): \"\(content)\""
    case .timeout(let operation, let path): "\(operation) \(path): timed out"
    case .deviceFilterFailed(let path, let operation, let errno):
      "device filter for \(path): \(operation): \(SystemError.reason(errno))"
    }
  }
}
