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
  /// Prepares the container's root filesystem and OCI bundle; returns the argv the monitor runs (the OCI
  /// runtime's foreground `run`).
  func prepare(_ record: ContainerRecord, root: StateRoot, netnsPath: String?, hostFiles: [String: String])
    async throws -> [String]
  /// Releases what `prepare` made (mounts, bundle), after the container exited.
  func release(_ record: ContainerRecord, root: StateRoot) async throws
}

/// The engine used until the library's image store and runtime are available: every operation says so.
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
    async throws -> [String]
  { throw missing("running containers") }
  func release(_ record: ContainerRecord, root: StateRoot) async throws {}
}

enum Engines {
  static func current(_ root: StateRoot) -> any Engine { UnavailableEngine() }
}
