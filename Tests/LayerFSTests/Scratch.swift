import Foundation
import LayerFS

struct Scratch {
  let path: String

  init(_ label: String = "layerfs") throws {
    let base = FileManager.default.temporaryDirectory.path + "/ckit-\(label)-\(UUID().uuidString.prefix(8))"
    try FileOps.makeDirectories(base)
    path = base
  }

  func remove() { try? FileOps.removeTree(path) }
}
