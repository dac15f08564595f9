import Cgroups
import Namespaces

/// Why a runtime operation failed, naming the container and the object involved.
public enum ContainerError: Error, Sendable, CustomStringConvertible {
  case invalidID(String)
  case alreadyExists(id: String)
  case notFound(id: String)
  /// The operation needs another state: `start` of a running container, `delete` of a running one...
  case wrongState(id: String, operation: String, status: ContainerStatus)
  /// The bundle's config.json is missing, malformed or unusable.
  case invalidConfig(String)
  /// The container's process failed before its program ran, or the program could not be executed.
  case child(ChildError)
  case setup(NamespaceError)
  case cgroup(CgroupError)
  case hook(name: String, path: String, reason: String)
  case system(call: String, object: String, errno: Int32)

  public var description: String {
    switch self {
    case .invalidID(let id): "invalid container id \"\(id)\": use letters, digits, '_', '-' and '.'"
    case .alreadyExists(let id): "container \"\(id)\" already exists"
    case .notFound(let id): "container \"\(id)\" does not exist"
    case .wrongState(let id, let op, let status): "cannot \(op) container \"\(id)\": it is \(status.rawValue)"
    case .invalidConfig(let reason): reason
    case .child(let e): e.description
    case .setup(let e): e.description
    case .cgroup(let e): e.description
    case .hook(let name, let path, let reason): "\(name) hook \(path): \(reason)"
    case .system(let call, let object, let errno):
      NamespaceError.system(call: call, object: object, errno: errno)
        .description
    }
  }

  /// The status a CLI should exit with for this error: 127 and 126 for a program that is missing or cannot run.
  public var exitStatus: Int32 {
    if case .child(let e) = self, e.step == "exec" { return e.exitStatus }
    return 1
  }

  static func wrap(_ error: any Error) -> ContainerError {
    switch error {
    case let e as ContainerError: e
    case let e as ChildError: .child(e)
    case let e as NamespaceError: .setup(e)
    case let e as CgroupError: .cgroup(e)
    default: .invalidConfig("\(error)")
    }
  }
}
