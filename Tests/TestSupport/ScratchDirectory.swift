import Foundation

/// A unique temp directory per test (tests run in parallel), removed by `remove()`: for the image side's tests,
/// which need a plain directory and none of `ScratchRoot`'s kernel cleanup.
public struct ScratchDirectory: Sendable {
  public let path: String
  /// `path` as a file URL, for Foundation's URL-taking calls.
  public var url: URL { URL(fileURLWithPath: path) }

  /// A new directory `/tmp/ckit-LABEL-XXXXXXXX`.
  public init(_ label: String = "scratch") throws {
    path = FileManager.default.temporaryDirectory.path + "/ckit-\(label)-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  /// An existing directory (a `ScratchRoot`'s), removed by `remove()` all the same.
  public init(path: String) { self.path = path }

  /// Removes the directory and everything below it.
  public func remove() { try? FileManager.default.removeItem(atPath: path) }
}
