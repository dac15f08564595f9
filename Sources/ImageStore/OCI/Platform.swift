/// An OS and CPU an image runs on; used to pick one manifest from an index.
public struct Platform: Hashable, Sendable, Codable, CustomStringConvertible {
  public var architecture: String
  public var os: String
  public var variant: String?
  public var osVersion: String?
  public var osFeatures: [String]?

  enum CodingKeys: String, CodingKey {
    case architecture, os, variant
    case osVersion = "os.version"
    case osFeatures = "os.features"
  }

  public init(os: String = "linux", architecture: String, variant: String? = nil) {
    self.os = os
    self.architecture = architecture
    self.variant = variant
  }

  /// The platform of this machine, normalized to Go's GOARCH names as registries use them.
  public static var current: Platform {
    #if arch(x86_64)
      Platform(architecture: "amd64")
    #elseif arch(arm64)
      Platform(architecture: "arm64", variant: "v8")
    #else
      Platform(architecture: "unknown")
    #endif
  }

  /// Parses `os/arch[/variant]`, e.g. `linux/arm64/v8`.
  public init(parsing s: String) throws(OCIError) {
    let parts = s.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    guard (2...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty }) else {
      throw .malformedJSON(what: "platform \"\(s)\"", reason: "expected os/arch[/variant]")
    }
    self.init(os: parts[0], architecture: parts[1], variant: parts.count == 3 ? parts[2] : nil)
  }

  public var description: String {
    [os, architecture, variant].compactMap { $0 }.joined(separator: "/")
  }

  /// Whether an index entry for `other` can run here: same os and arch; variant compared when both name one
  /// (arm64 images often omit `v8`).
  public func matches(_ other: Platform) -> Bool {
    guard os == other.os, architecture == other.architecture else { return false }
    if let v = variant, let w = other.variant { return v == w }
    return true
  }
}
