import ContainerKit
import Foundation

/// Docker's json-file log format, as ckit-monitor writes it: one `{"log","stream","time"}` object per line, files
/// rotated to `.1`, `.2` ... (higher is older).
package enum JSONLog {
  package struct Entry: Decodable {
    package var log: String
    package var stream: String
    package var rawTime: String
    package var time: Date

    package enum CodingKeys: String, CodingKey { case log, stream, time }

    package init(from decoder: any Decoder) throws {
      let c = try decoder.container(keyedBy: CodingKeys.self)
      log = try c.decode(String.self, forKey: .log)
      stream = try c.decode(String.self, forKey: .stream)
      rawTime = try c.decode(String.self, forKey: .time)
      time = RFC3339.parse(rawTime) ?? Date(timeIntervalSince1970: 0)
    }
  }

  package static func parse(_ data: Data) -> [Entry] {
    let decoder = JSONDecoder()
    return data.split(separator: UInt8(ascii: "\n")).compactMap { try? decoder.decode(Entry.self, from: Data($0)) }
  }

  /// All rotated files oldest first, then the current one (its first `currentUpTo` bytes when given: where a
  /// `Follower` takes over).
  package static func read(path: String, currentUpTo limit: UInt64? = nil) -> [Entry] {
    var files = [String]()
    var i = 1
    while FileManager.default.fileExists(atPath: "\(path).\(i)") {
      files.insert("\(path).\(i)", at: 0)
      i += 1
    }
    var entries = files.flatMap { FileManager.default.contents(atPath: $0).map(parse) ?? [] }
    if var current = FileManager.default.contents(atPath: path) {
      if let limit, limit < current.count { current = current.prefix(Int(limit)) }
      entries += parse(current)
    }
    return entries
  }

  /// `logs -f`: reads what was appended since the last poll, and starts over when the file was rotated.
  package struct Follower {
    package let path: String
    package var offset: UInt64 = 0
    package var inode: UInt64 = 0
    package var pending = Data()

    package init(path: String) { self.path = path }

    package mutating func skipToEnd() {
      var st = stat()
      if stat(path, &st) == 0 {
        offset = UInt64(st.st_size)
        inode = UInt64(st.st_ino)
      }
    }

    package mutating func poll() -> [Entry] {
      var st = stat()
      guard stat(path, &st) == 0 else { return [] }
      if UInt64(st.st_ino) != inode || UInt64(st.st_size) < offset {
        inode = UInt64(st.st_ino)
        offset = 0
        pending = Data()
      }
      guard let h = FileHandle(forReadingAtPath: path) else { return [] }
      defer { try? h.close() }
      try? h.seek(toOffset: offset)
      let data = (try? h.readToEnd()) ?? Data()
      offset += UInt64(data.count)
      pending.append(data)
      guard let lastNL = pending.lastIndex(of: UInt8(ascii: "\n")) else { return [] }
      let complete = pending[pending.startIndex...lastNL]
      pending = Data(pending[pending.index(after: lastNL)...])
      return parse(Data(complete))
    }
  }
}
