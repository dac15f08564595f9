#if canImport(Glibc)
  import Glibc
#endif

/// Why a sandbox operation failed. Each case keeps its cause (the runtime's, the image store's, the errno of the
/// system call) and names what it was working on.
public enum SandboxError: Error, Sendable, CustomStringConvertible {
  /// The image could not be found, pulled or mounted.
  case image(reference: String, cause: any Error)
  /// The runtime refused to start the sandbox or a process in it.
  case runtime(operation: String, cause: any Error)
  /// A system call failed on `object` (a path inside the sandbox, a mount point, a cgroup...).
  case system(call: String, object: String, errno: Int32)
  /// A path inside the sandbox is not what the operation needs (a directory where a file was expected...).
  case invalidPath(String, reason: String)
  /// The sandbox was torn down (or is being reset) while the operation ran.
  case closed(id: String)
  /// The task was cancelled.
  case cancelled
  /// A wait (for a log line, a listening port) gave up.
  case timedOut(String)
  case invalidConfiguration(String)

  public var description: String {
    switch self {
    case .image(let reference, let cause): "image \(reference): \(cause)"
    case .runtime(let operation, let cause): "\(operation): \(cause)"
    case .system(let call, let object, let errno): "\(call) \(object): \(String(cString: strerror(errno)))"
    case .invalidPath(let path, let reason): "\(path): \(reason)"
    case .closed(let id): "sandbox \(id) is closed"
    case .cancelled: "cancelled"
    case .timedOut(let what): "timed out waiting for \(what)"
    case .invalidConfiguration(let reason): "invalid sandbox configuration: \(reason)"
    }
  }
}
