import Foundation

/// An image of the engine's store as docker's `image inspect` shows it (`Id`, `RepoTags`, `RepoDigests`, `Parent`,
/// `Comment`, `Created`, `Author`, `Config`, `Architecture`, `Os`, `Size`, `RootFS`), and as `images` lists it.
public struct ImageInfo: Equatable, Hashable, Sendable {
  /// `Id`: the digest of the image's configuration (`sha256:…`), which `images` shortens to 12 hex digits.
  public var id: String
  /// `RepoTags`: the names the image is stored under, in docker's short form (`busybox:latest`).
  public var repoTags: [String]
  /// `RepoDigests`: `repository@sha256:…` for each registry repository the image was pulled from or pushed to.
  public var repoDigests: [String]
  /// `Parent`: the ID of the image this one was committed from, when this store made it; empty otherwise.
  public var parent: String
  /// `Comment`: the message of the image's last history entry (`commit -m`, `import -m`); empty without one.
  public var comment: String
  /// `Created`: when the image was made, from its configuration (the epoch when it does not say).
  public var created: Date
  /// `Author`: the configuration's author (`commit -a`, Dockerfile `MAINTAINER`); empty without one.
  public var author: String
  /// `Config`: what a container of this image starts from.
  public var config: ImageDefaults
  /// `Architecture`: the CPU architecture the image was built for, as OCI names it (`amd64`, `arm64`).
  public var architecture: String
  /// `Os`: the operating system the image was built for (`linux`).
  public var os: String
  /// `Size`: the bytes of the image's layers, unpacked where they are (compressed where not yet unpacked).
  public var size: Int64
  /// `RootFS.Layers`: the digests of the uncompressed layers (diff IDs), bottom first.
  public var layers: [String]

  /// The defaults `create` applies; the same value as `config`, under the name the engine's own code uses.
  package var defaults: ImageDefaults {
    get { config }
    set { config = newValue }
  }

  /// An image value; the engine makes these from its store (`images`, `inspectImage`), an embedder for its tests.
  public init(
    id: String, repoTags: [String] = [], repoDigests: [String] = [], parent: String = "", comment: String = "",
    created: Date = Date(timeIntervalSince1970: 0), author: String = "", config: ImageDefaults = ImageDefaults(),
    architecture: String = "", os: String = "", size: Int64 = 0, layers: [String] = []
  ) {
    self.id = id
    self.repoTags = repoTags
    self.repoDigests = repoDigests
    self.parent = parent
    self.comment = comment
    self.created = created
    self.author = author
    self.config = config
    self.architecture = architecture
    self.os = os
    self.size = size
    self.layers = layers
  }
}
