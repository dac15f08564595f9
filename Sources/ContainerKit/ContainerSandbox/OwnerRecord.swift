#if canImport(Glibc)
  import Glibc
#endif

/// Who owns a sandbox or a template: the pid and start time (field 22 of /proc/PID/stat) of the test process
/// that made it, so that a pid reused by another process is not taken for the owner. One small file per sandbox
/// under `ROOT/images/snapshots/.owners`, written before anything of the sandbox exists and removed after everything is gone: a
/// process killed at any point in between leaves a record that ``Sandbox/sweep(root:)`` finds.
struct OwnerRecord: Sendable, Hashable {
  enum Kind: String, Sendable { case sandbox, template }

  var id: String
  var kind: Kind
  var pid: Int32
  var startTime: UInt64

  static func mine(id: String, kind: Kind) -> OwnerRecord {
    OwnerRecord(id: id, kind: kind, pid: getpid(), startTime: Self.ownStartTime)
  }

  static let ownStartTime: UInt64 = startTime(of: getpid()) ?? 0

  /// Field 22 of /proc/PID/stat, or nil when there is no such process.
  static func startTime(of pid: Int32) -> UInt64? {
    let fd = open("/proc/\(pid)/stat", O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var buf = [UInt8](repeating: 0, count: 1024)
    let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, 1024) }
    guard n > 0 else { return nil }
    let text = buf[0..<n]
    // The command name may hold spaces and parentheses: fields are counted from the last ')'.
    guard let close = text.lastIndex(of: UInt8(ascii: ")")) else { return nil }
    let fields = text[(close + 1)...].split(separator: UInt8(ascii: " "))
    // fields[0] is field 3 (the state): field 22 is fields[19].
    guard fields.count > 19 else { return nil }
    return UInt64(String(decoding: fields[19], as: UTF8.self))
  }

  var isOwnerAlive: Bool { Self.startTime(of: pid) == startTime }

  var text: String { "\(kind.rawValue) \(pid) \(startTime)\n" }

  init(id: String, kind: Kind, pid: Int32, startTime: UInt64) {
    self.id = id
    self.kind = kind
    self.pid = pid
    self.startTime = startTime
  }

  init?(id: String, text: String) {
    let parts = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
    guard parts.count == 3, let kind = Kind(rawValue: String(parts[0])), let pid = Int32(parts[1]),
      let start = UInt64(parts[2])
    else { return nil }
    self.init(id: id, kind: kind, pid: pid, startTime: start)
  }

  static func path(_ id: String, in directory: String) -> String { directory + "/" + id }

  func write(in directory: String) throws(SandboxError) {
    let path = Self.path(id, in: directory)
    let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw .system(call: "create owner record", object: path, errno: errno) }
    defer { close(fd) }
    let bytes = Array(text.utf8)
    guard Glibc.write(fd, bytes, bytes.count) == bytes.count else {
      throw .system(call: "write owner record", object: path, errno: errno)
    }
  }

  static func read(id: String, in directory: String) -> OwnerRecord? {
    let fd = open(path(id, in: directory), O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var buf = [UInt8](repeating: 0, count: 128)
    let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, 128) }
    guard n > 0 else { return nil }
    return OwnerRecord(id: id, text: String(decoding: buf[0..<n], as: UTF8.self))
  }

  static func remove(_ id: String, in directory: String) { unlink(path(id, in: directory)) }
}
