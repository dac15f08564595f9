import OCI

/// The engine's errors, each naming the object it is about and worded as docker words them, so that a docker user
/// recognises them and the CLI can print them as they are (it exits 125 for them from `run`, `create`, `start` and
/// `exec`: docker's "the CLI failed, not the container").
public enum EngineError: Error, Equatable, CustomStringConvertible, Sendable {
  /// No container has this name, ID or ID prefix (Docker's 404).
  case noSuchContainer(String)
  /// The store has no image by this reference or ID, and it was not pulled (Docker's 404).
  case noSuchImage(String)
  /// No volume has this name.
  case noSuchVolume(String)
  /// An ID prefix that more than one container's ID starts with.
  case ambiguousContainer(String)
  /// The name is taken by container `id` (Docker's 409).
  case nameInUse(name: String, id: String)
  /// A container name outside Docker's `[a-zA-Z0-9][a-zA-Z0-9_.-]`.
  case invalidName(String)
  /// A value the caller gave that Docker refuses too, worded as Docker words it (Docker's 400).
  case invalidArgument(String)
  /// A seccomp profile (`--security-opt seccomp=FILE`, `ContainerSpec.seccomp`) that cannot be applied.
  case invalidSeccompProfile(SpecError)
  /// `action` (remove, commit...) needs a stopped container, or `force` (Docker's 409).
  case containerRunning(id: String, action: String)
  /// The operation needs a running container (kill, exec, attach, pause).
  case containerNotRunning(String)
  /// The operation cannot reach a paused container's processes; unpause it first.
  case containerPaused(String)
  /// A container still mounts the volume.
  case volumeInUse(String)
  /// A container uses the image; removing it needs `force` (Docker's 409).
  case imageInUse(reference: String, container: String)
  /// A Docker feature this engine does not have, named.
  case unsupported(String)
  /// The state root at `path` cannot be read or written.
  case state(path: String, reason: String)
  /// A program the engine runs (`ckit-runtime`, `ckit-monitor`, `ckit-init`) is neither next to the executable nor
  /// on PATH; `variable` names the environment variable that can point at it.
  case executableNotFound(name: String, variable: String)
  /// An operation failed below the engine (the image store, the registry, the runtime, the kernel). `context`
  /// names the operation and its object (`pull busybox`, `commit 4f2a…`); `cause` is the error as it was thrown,
  /// kept whole so that an embedder can still match on it.
  case underlying(context: String, cause: any Error & Sendable)
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
    case .executableNotFound(let name, let variable):
      "\(name) not found next to the executable or on PATH (set \(variable))"
    case .underlying(let context, let cause): context.isEmpty ? "\(cause)" : "\(context): \(cause)"
    case .startFailed(_, _, let message): message
    }
  }
}

extension EngineError {
  /// The error below the engine, for `.underlying`; nil for the engine's own errors.
  public var cause: (any Error & Sendable)? {
    if case .underlying(_, let cause) = self { return cause }
    return nil
  }

  /// Equal when the case and its values are; two causes are compared by their descriptions, as `any Error` has no
  /// equality of its own.
  public static func == (lhs: EngineError, rhs: EngineError) -> Bool {
    switch (lhs, rhs) {
    case (.underlying(let a, let x), .underlying(let b, let y)): a == b && "\(x)" == "\(y)"
    case (.underlying, _), (_, .underlying): false
    default: lhs.description == rhs.description && lhs.caseName == rhs.caseName
    }
  }

  private var caseName: String { Mirror(reflecting: self).children.first?.label ?? "" }
}
