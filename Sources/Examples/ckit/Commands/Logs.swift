import ArgumentParser
import Foundation

struct Logs: AsyncParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Fetch the logs of a container")

  @OptionGroup var global: GlobalOptions
  @Flag(name: .shortAndLong, help: "Follow log output") var follow = false
  @Option(name: [.customShort("n"), .long], help: "Number of lines to show from the end of the logs") var tail = "all"
  @Flag(name: .shortAndLong, help: "Show timestamps") var timestamps = false
  @Option(help: "Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m)") var since: String?
  @Option(help: "Show logs before a timestamp or relative time") var until: String?
  @Argument(help: "CONTAINER") var container: String

  func run() async throws {
    let store = global.containers
    let record = try store.find(container)
    let tailCount: Int?
    if tail == "all" || tail == "-1" {
      tailCount = nil
    } else {
      guard let n = Int(tail), n >= 0 else { throw CkitError.invalidArgument("invalid value for tail: \(tail)") }
      tailCount = n
    }
    let sinceDate = try since.map { try HumanFormat.parseSince($0) }
    let untilDate = try until.map { try HumanFormat.parseSince($0) }
    let path = global.state.logPath(record.id)
    var entries = JSONLog.read(path: path)
    entries = entries.filter { e in
      (sinceDate.map { e.time >= $0 } ?? true) && (untilDate.map { e.time <= $0 } ?? true)
    }
    if let tailCount { entries = Array(entries.suffix(tailCount)) }
    for e in entries { emit(e) }
    guard follow else { return }
    var reader = JSONLog.Follower(path: path)
    reader.skipToEnd()
    while true {
      let fresh = reader.poll()
      for e in fresh where untilDate.map({ e.time <= $0 }) ?? true { emit(e) }
      if fresh.isEmpty {
        if !store.status(try store.load(id: record.id)).isRunning {
          for e in reader.poll() { emit(e) }
          return
        }
        try await Task.sleep(nanoseconds: 100_000_000)
      }
    }
  }

  func emit(_ e: JSONLog.Entry) {
    var line = e.log
    if timestamps { line = e.rawTime + " " + line }
    let handle = e.stream == "stderr" ? FileHandle.standardError : FileHandle.standardOutput
    handle.write(Data(line.utf8))
  }
}

/// Docker's json-file log format, as ckit-monitor writes it: one `{"log","stream","time"}` object per line, files
/// rotated to `.1`, `.2` ... (higher is older).
enum JSONLog {
  struct Entry: Decodable {
    var log: String
    var stream: String
    var rawTime: String
    var time: Date

    enum CodingKeys: String, CodingKey { case log, stream, time }

    init(from decoder: any Decoder) throws {
      let c = try decoder.container(keyedBy: CodingKeys.self)
      log = try c.decode(String.self, forKey: .log)
      stream = try c.decode(String.self, forKey: .stream)
      rawTime = try c.decode(String.self, forKey: .time)
      time = HumanFormat.parseRFC3339(rawTime) ?? Date(timeIntervalSince1970: 0)
    }
  }

  static func parse(_ data: Data) -> [Entry] {
    let decoder = JSONDecoder()
    return data.split(separator: UInt8(ascii: "\n")).compactMap { try? decoder.decode(Entry.self, from: Data($0)) }
  }

  /// All rotated files oldest first, then the current one.
  static func read(path: String) -> [Entry] {
    var files = [String]()
    var i = 1
    while FileManager.default.fileExists(atPath: "\(path).\(i)") {
      files.insert("\(path).\(i)", at: 0)
      i += 1
    }
    files.append(path)
    return files.flatMap { FileManager.default.contents(atPath: $0).map(parse) ?? [] }
  }

  /// `logs -f`: reads what was appended since the last poll, and starts over when the file was rotated.
  struct Follower {
    let path: String
    var offset: UInt64 = 0
    var inode: UInt64 = 0
    var pending = Data()

    init(path: String) { self.path = path }

    mutating func skipToEnd() {
      var st = stat()
      if stat(path, &st) == 0 {
        offset = UInt64(st.st_size)
        inode = UInt64(st.st_ino)
      }
    }

    mutating func poll() -> [Entry] {
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
