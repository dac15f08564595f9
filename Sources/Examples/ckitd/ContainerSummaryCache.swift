import ContainerEngine
import ContainerKit
import Foundation
import NIOCore
import Synchronization

/// The JSON of `GET /containers/json`'s rows, kept written per container while its `ContainerInfo` and the
/// bridge's gateway stay the same. A thousand-container `ps` built and wrote a thousand summaries, field by field,
/// at every request: more than half of ckitd's answer (issue 15, Documentation/Benchmarks.md). Only the status text
/// ("Up 5 minutes") depends on the time, so a row is kept as the bytes before it and the bytes after it.
final class ContainerSummaryCache: Sendable {
  /// A class: a thousand rows are looked up and kept per request, and a reference is one retain where the struct
  /// was a dozen.
  private final class Row: Sendable {
    let info: ContainerInfo
    let gateway: String?
    let prefix: Int?
    /// `{"Id":...,"State":"...","Status":` and `,"HostConfig":...}`.
    let head: [UInt8]
    let tail: [UInt8]

    init(info: ContainerInfo, gateway: String?, prefix: Int?, head: [UInt8], tail: [UInt8]) {
      self.info = info
      self.gateway = gateway
      self.prefix = prefix
      self.head = head
      self.tail = tail
    }
  }

  private let rows = Mutex([String: Row]())

  /// The summaries of `containers` at `now`, as one JSON array ended by a newline (as `ResponseWriter.json` ends
  /// its answers), the same bytes `ContainerJSON.summary` of each would give.
  func array(_ containers: [ContainerInfo], now: Date, bridge: (gateway: String, prefix: Int)?) -> ByteBuffer {
    let known = rows.withLock { $0 }
    var made = [Row]()
    var out = ByteBufferAllocator().buffer(capacity: containers.count * 700 + 2)
    out.writeInteger(UInt8(ascii: "["))
    var status = [UInt8]()
    for index in containers.indices {
      if index > 0 { out.writeInteger(UInt8(ascii: ",")) }
      let row: Row
      if let kept = known[containers[index].id], kept.info == containers[index], kept.gateway == bridge?.gateway,
        kept.prefix == bridge?.prefix
      {
        row = kept
      } else {
        row = Self.row(containers[index], bridge: bridge)
        made.append(row)
      }
      out.writeBytes(row.head)
      status.removeAll(keepingCapacity: true)
      JSONString.append(containers[index].statusText(now: now), escapingHTML: true, to: &status)
      out.writeBytes(status)
      out.writeBytes(row.tail)
    }
    out.writeInteger(UInt8(ascii: "]"))
    out.writeInteger(UInt8(ascii: "\n"))
    guard !made.isEmpty else { return out }
    // Rows of containers gone are dropped once the cache holds twice what a list gives (a filtered list keeps the
    // others until then).
    rows.withLock { rows in
      for row in made { rows[row.info.id] = row }
      if rows.count > 2 * max(containers.count, 256) {
        let listed = Set(containers.map(\.id))
        rows = rows.filter { listed.contains($0.key) }
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
