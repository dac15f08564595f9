import ContainerEngine
import Foundation

import enum ContainerKit.RFC3339

// How the engine's values are shown: docker's columns and inspect fields, kept out of the library.

extension VolumeInfo {
  var value: TemplateValue {
    .object([
      ("CreatedAt", .string(RFC3339.format(createdAt))), ("Driver", .string("local")),
      ("Labels", .object(labels.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
      ("Mountpoint", .string(mountpoint)), ("Name", .string(name)), ("Options", .null), ("Scope", .string("local")),
    ])
  }
}
