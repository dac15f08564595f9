/// A platform as the automatic `BUILD*`/`TARGET*` ARGs describe it.
public struct PlatformArgs: Sendable, Hashable, CustomStringConvertible {
  public var os: String
  public var architecture: String
  public var variant: String?

  public init(os: String = "linux", architecture: String, variant: String? = nil) {
    self.os = os
    self.architecture = architecture
    self.variant = variant
  }

  /// `os/arch[/variant]`.
  public var description: String {
    [os, architecture, variant].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "/")
  }

  /// The platform this process runs on.
  public static var host: PlatformArgs {
    #if arch(x86_64)
      return PlatformArgs(architecture: "amd64")
    #elseif arch(arm64)
      return PlatformArgs(architecture: "arm64", variant: "v8")
    #else
      return PlatformArgs(architecture: "unknown")
    #endif
  }

  /// The ARG names and values for this platform with the given prefix (`BUILD` or `TARGET`).
  func args(prefix: String) -> [(String, String)] {
    [
      (prefix + "PLATFORM", description), (prefix + "OS", os), (prefix + "ARCH", architecture),
      (prefix + "VARIANT", variant ?? ""),
    ]
  }
}
