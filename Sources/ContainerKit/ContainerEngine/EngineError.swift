import OCI

/// The engine's errors, each naming the object it is about and worded as docker words them, so that a docker user
/// recognises them and the CLI can print them as they are (it exits 125 for them from `run`, `create`, `start` and
/// `exec`: docker's "the CLI failed, not the container").
public enum EngineError: Error, Equatable, CustomStringConvertible, Sendable {
  case noSuchContainer(String)
  case noSuchImage(String)
  case noSuchVolume(String)
  case ambiguousContainer(String)
  case nameInUse(name: String, id: String)
  case invalidName(String)
  case invalidArgument(String)
  /// A seccomp profile (`--security-opt seccomp=FILE`, `ContainerSpec.seccomp`) that cannot be applied.
  case invalidSeccompProfile(SpecError)
  case containerRunning(id: String, action: String)
  case containerNotRunning(String)
  case containerPaused(String)
  case volumeInUse(String)
  case imageInUse(reference: String, container: String)
  case unsupported(String)
  case state(path: String, reason: String)
  case backend(String)
  /// The container's process could not be started; `code` is docker's (125, 126 or 127), `message` the runtime's.
  case startFailed(id: String, code: Int32, message: String)

  public var description: String {
    switch self {
    case .noSuchContainer(let c): "No such container: \(c)"
    case .noSuchImage(let i): "No such image: \(i)"
    case .noSuchVolume(let v): "get \(v): no such volume"
    case .ambiguousContainer(let c): "multiple IDs found with provided prefix: \(c)"
    case .nameInUse(let name, let id):
      "Conflict. The container name \"/\(name)\" is already in use by container \"\(id)\". You have to remove (or rename) that container to be able to reuse that name."
    case .invalidName(let n): "Invalid container name (\(n)), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"
    case .invalidArgument(let s): s
    case .invalidSeccompProfile(let e): "seccomp profile: \(e)"
    case .containerRunning(let id, let action):
      "cannot \(action) container: \(id): container is running: stop the container before removing or force remove"
    case .containerNotRunning(let id): "Container \(id) is not running"
    case .containerPaused(let id): "Container \(id) is paused, unpause the container before stopping or killing"
    case .volumeInUse(let v): "remove \(v): volume is in use"
    case .imageInUse(let ref, let c):
      "conflict: unable to remove repository reference \"\(ref)\" (must force) - container \(c) is using its referenced image"
    case .unsupported(let s): s
    case .state(let path, let reason): "state \(path): \(reason)"
    case .backend(let s): s
    case .startFailed(_, _, let message): message
    }
  }
}
