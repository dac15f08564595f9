import Foundation

extension RepoPaths {
  /// A product of this package that a test runs as a process of its own (a helper it kills, say): the one beside
  /// the test bundle, else the one in `.build/debug`; nil when neither is there (`swift build --build-tests` builds
  /// it). One lookup, so that every such test finds its helper where the others find theirs.
  public static func builtProduct(_ name: String) -> URL? {
    let besideTests = Bundle.main.executableURL?.deletingLastPathComponent().appendingPathComponent(name)
    return [besideTests, root.appendingPathComponent(".build/debug/\(name)")].compactMap { $0 }
      .first { FileManager.default.isExecutableFile(atPath: $0.path) }
  }
}
