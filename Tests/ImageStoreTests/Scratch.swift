import Foundation
import LayerFS

/// A unique temp directory per test (tests run in parallel), removed by `remove()`.
struct Scratch {
  let path: String

  init(_ label: String = "store") throws {
    let base = FileManager.default.temporaryDirectory.path + "/ckit-\(label)-\(UUID().uuidString.prefix(8))"
    try FileOps.makeDirectories(base)
    path = base
  }

  init(path: String) { self.path = path }

  func remove() {
    try? FileOps.removeTree(path)
  }
}
