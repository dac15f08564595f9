import ContainerEngine
import Foundation

extension ContainerStats {
  /// The row docker prints for a reading, under docker's template field names.
  func row(id: String, name: String) -> TemplateValue {
    .object([
      ("BlockIO", .string("\(HumanFormat.size(Int64(blockRead))) / \(HumanFormat.size(Int64(blockWrite)))")),
      ("CPUPerc", .string(String(format: "%.2f%%", cpuPercent))),
      ("Container", .string(id)), ("ID", .string(id)),
      ("MemPerc", .string(String(format: "%.2f%%", memoryPercent))),
      (
        "MemUsage",
        .string("\(HumanFormat.binarySize(Int64(memoryUsage))) / \(HumanFormat.binarySize(Int64(memoryLimit)))")
      ),
      ("Name", .string(name)),
      (
        "NetIO",
        .string("\(HumanFormat.size(Int64(networkReceived))) / \(HumanFormat.size(Int64(networkSent)))")
      ),
      ("PIDs", .string(String(pids))),
    ])
  }
}
