import Foundation
import OCI

/// What the builder needs from an image store: base images, writable root filesystems on a state, their writes
/// turned into layers, and the final image written and tagged. `StoreBuildStorage` is the conformance over
/// `ImageStore`; the protocol keeps the build logic independent of how snapshots are made.
public protocol BuildStorage: Sendable {
  /// The image `reference` as a build state (its cache identity is the image ID), pulled when missing or when
  /// `pull` is set.
  func baseImage(_ reference: String, platform: Platform, pull: Bool) async throws -> BuildState

  /// A writable root filesystem holding `state`'s layers. `id` is unique per step.
  func mount(_ state: BuildState, id: String) async throws -> BuildMount

  /// The mount's writes as one more layer on `state`, with a history entry `createdBy`.
  func commit(_ mount: BuildMount, onto state: BuildState, createdBy: String) async throws -> BuildState

  /// Unmounts and removes the mount (also after a failure).
  func release(_ mount: BuildMount) async

  /// Whether every layer of `state` is still present (a cache entry whose blobs were collected is a miss).
  func hasLayers(_ state: BuildState) async -> Bool

  /// Writes the config and manifest of `state` and points every tag at it.
  func storeImage(_ state: BuildState, tags: [String]) async throws -> StoredImage
}

/// A built image as stored: its manifest and its ID (the config digest).
public struct StoredImage: Sendable, Hashable {
  public var manifest: Descriptor
  public var imageID: Digest

  public init(manifest: Descriptor, imageID: Digest) {
    self.manifest = manifest
    self.imageID = imageID
  }
}

/// A root filesystem prepared for one step.
public struct BuildMount: Sendable, Hashable {
  public var id: String
  /// Where the files are, on the host.
  public var rootfs: URL

  public init(id: String, rootfs: URL) {
    self.id = id
    self.rootfs = rootfs
  }
}
