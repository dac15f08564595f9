import ContainerEngine
import ContainerKit
import Foundation
import Synchronization

/// The JSON of `GET /containers/json`'s rows, kept written per container while its `ContainerInfo` and the
/// bridge's gateway stay the same. A thousand-container `ps` built and wrote a thousand summaries, field by field,
/// at every request: more than half of ckitd's answer (issue 15, Documentation/Benchmarks.md). Only the status text
/// ("Up 5 minutes") depends on the time, so a row is kept as the bytes before it and the bytes after it.
final class ContainerSummaryCache: Sendable {
  private struct Row: Sendable {
    let info: ContainerInfo
    let gateway: String?
    let prefix: Int?
    /// `{"Id":...,"State":"...","Status":` and `,"HostConfig":...}`.
    let head: [UInt8]
    let tail: [UInt8]
  }

  private let rows = Mutex([String: Row]())

  /// The summaries of `containers` at `now`, as one JSON array ended by a newline (as `ResponseWriter.json` ends
  /// its answers), the same bytes `ContainerJSON.summary` of each would give.
  func array(_ containers: [ContainerInfo], now: Date, bridge: (gateway: String, prefix: Int)?) -> [UInt8] {
    let known = rows.withLock { $0 }
    var used = [String: Row](minimumCapacity: containers.count)
    var out = [UInt8]()
    out.reserveCapacity(containers.count * 700 + 2)
    out.append(UInt8(ascii: "["))
    for (index, container) in containers.enumerated() {
      if index > 0 { out.append(UInt8(ascii: ",")) }
      let row: Row
      if let kept = known[container.id], kept.info == container, kept.gateway == bridge?.gateway,
        kept.prefix == bridge?.prefix
      {
        row = kept
      } else {
        row = Self.row(container, bridge: bridge)
      }
      used[container.id] = row
      out += row.head
      JSONString.append(container.statusText(now: now), escapingHTML: true, to: &out)
      out += row.tail
    }
    out.append(UInt8(ascii: "]"))
    out.append(UInt8(ascii: "\n"))
    // Rows of containers gone are dropped once the cache holds twice what a list gives (a filtered list keeps the
    // others until then).
    rows.withLock { rows in
      if rows.count > 2 * max(used.count, 256) {
        rows = used
      } else {
        rows.merge(used) { _, new in new }
      }
    }
    return out
  }

  private static func row(_ container: ContainerInfo, bridge: (gateway: String, prefix: Int)?) -> Row {
    let fields = ContainerJSON.summaryFields(container, bridge: bridge)
    var head = JSON.object(fields.head).bytes()
    head.removeLast()  // the object's "}"
    head += #","Status":"#.utf8
    var tail = JSON.object(fields.tail).bytes()
    tail[0] = UInt8(ascii: ",")  // the object's "{"
    return Row(info: container, gateway: bridge?.gateway, prefix: bridge?.prefix, head: head, tail: tail)
  }
}
