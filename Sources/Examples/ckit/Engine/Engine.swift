import Foundation

/// An image as `images`, `inspect` and `run` need it.
struct ImageSummary: Equatable {
  var id: String
  var repoTags: [String]
  var repoDigests: [String]
  var created: Date
  var size: Int64
  var defaults: ImageDefaults
}

/// The seam between the command line and the library: images (ImageStore, RegistryClient, Builder) and container
/// processes (ContainerKit). Commands that only read ckit's own state (ps, logs, stop, attach, volumes) never come
/// here.
///
/// The library's image store and runtime are built in parallel with ckit; until a backend is wired in, each
/// operation fails with a clear message naming what is missing instead of pretending.
protocol Engine: Sendable {
  func pull(_ reference: String, quiet: Bool) async throws -> ImageSummary
  func images() async throws -> [ImageSummary]
  func image(_ reference: String) async throws -> ImageSummary
  func removeImage(_ reference: String, force: Bool) async throws -> [String]
  func tag(_ source: String, _ target: String) async throws
  func push(_ reference: String, quiet: Bool) async throws
  func commit(_ record: ContainerRecord, reference: String?, message: String?, author: String?, changes: [String])
    async throws -> String
  /// Prepares the container's root filesystem and OCI bundle; returns the argv the monitor runs and, for a
  /// runtime that detaches, the file where it writes the container's pid.
  func prepare(_ record: ContainerRecord, root: StateRoot, netnsPath: String?, hostFiles: [String: String])
    async throws -> (argv: [String], pidFile: String?)
  /// Releases the runtime's state for a container that exited (its filesystem stays for restart and commit).
  func release(_ record: ContainerRecord, root: StateRoot) async throws
  /// Deletes the container's filesystem (`rm`).
  func remove(_ record: ContainerRecord, root: StateRoot) async throws
  /// Whether the container's last run ended by the OOM killer; asked before `release`.
  func oomKilled(_ record: ContainerRecord) -> Bool
  /// Runs a process in a running container with ckit's own stdio; returns its exit code.
  func exec(_ record: ContainerRecord, argv: [String], options: ExecOptions) async throws -> Int32
}

/// `exec`'s flags, as the runtime's `exec` takes them.
struct ExecOptions {
  var env: [String] = []
  var user: String? = nil
  var workdir: String? = nil
  var tty = false
  var detach = false
}

/// An engine without images or runtime (kept for commands' tests of argument handling): every operation says so.
struct UnavailableEngine: Engine {
  func missing(_ what: String) -> CkitError {
    .unsupported("\(what) is not available in this build: the image store / runtime backend is not wired in yet")
  }

  func pull(_ reference: String, quiet: Bool) async throws -> ImageSummary { throw missing("pull") }
  func images() async throws -> [ImageSummary] { [] }
  func image(_ reference: String) async throws -> ImageSummary { throw CkitError.noSuchImage(reference) }
  func removeImage(_ reference: String, force: Bool) async throws -> [String] {
    throw CkitError.noSuchImage(reference)
  }
  func tag(_ source: String, _ target: String) async throws { throw CkitError.noSuchImage(source) }
  func push(_ reference: String, quiet: Bool) async throws { throw missing("push") }
  func commit(_ record: ContainerRecord, reference: String?, message: String?, author: String?, changes: [String])
    async throws -> String
  { throw missing("commit") }
  func prepare(_ record: ContainerRecord, root: StateRoot, netnsPath: String?, hostFiles: [String: String])
    async throws -> (argv: [String], pidFile: String?)
  { throw missing("running containers") }
  func release(_ record: ContainerRecord, root: StateRoot) async throws {}
  func remove(_ record: ContainerRecord, root: StateRoot) async throws {}
  func oomKilled(_ record: ContainerRecord) -> Bool { false }
  func exec(_ record: ContainerRecord, argv: [String], options: ExecOptions) async throws -> Int32 {
    throw missing("exec")
  }
}

enum Engines {
  static func current(_ root: StateRoot) -> any Engine { LibraryEngine(root: root) }
}
