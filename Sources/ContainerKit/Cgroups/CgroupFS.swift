import Glibc
import LinuxSystem

/// Raw file access to cgroup control files.
///
/// Control files are tiny and must be written with one `write(2)` per value (the kernel parses each write as one
/// command), so this goes straight to the syscalls instead of through buffered streams.
enum CgroupFS {
  /// A counter file's value (`memory.current`, `pids.current`...); anything else is an error naming the file.
  static func number(_ text: String, file: String) throws(CgroupError) -> UInt64 {
    guard let value = UInt64(text) else { throw .unexpectedContent(file: file, content: text) }
    return value
  }

  static func read(_ file: String) throws(CgroupError) -> String {
    guard let bytes = SystemFile.readBytes(file) else { throw .readFailed(file: file, errno: errno) }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// The file's content without surrounding whitespace.
  static func value(_ file: String) throws(CgroupError) -> String {
    trimmed(try read(file))
  }

  /// The file's content, or nil when it does not exist (a controller not enabled, an older kernel).
  static func valueIfPresent(_ file: String) throws(CgroupError) -> String? {
    do {
      return try value(file)
    } catch .readFailed(_, let code) where code == ENOENT {
      return nil
    }
  }

  static func write(_ value: String, to file: String) throws(CgroupError) {
    let fd = open(file, O_WRONLY | O_TRUNC | O_CLOEXEC)
    guard fd >= 0 else { throw .writeFailed(file: file, value: value, errno: errno) }
    defer { close(fd) }
    try write(value, fd: fd, file: file)
  }

  /// One write(2) on an open cgroup file: the kernel takes each as a whole value (one device rule, one limit), so
  /// several values for the same file can share one open.
  static func write(_ value: String, fd: Int32, file: String) throws(CgroupError) {
    let bytes = Array(value.utf8)
    while true {
      let count = Syscall.retrying { bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } }
      if count < 0 { throw .writeFailed(file: file, value: value, errno: errno) }
      return
    }
  }

  static func exists(_ path: String) -> Bool {
    access(path, F_OK) == 0
  }

  /// Creates `root/relative` level by level; returns the directories that did not exist before, outermost first,
  /// so callers can initialise each new level (cpuset) and undo exactly what they made.
  static func makeDirectories(root: String, relative: [String]) throws(CgroupError) -> [String] {
    var created: [String] = []
    var current = root
    for component in relative {
      current += "/" + component
      if mkdir(current, 0o755) == 0 {
        created.append(current)
      } else if errno != EEXIST {
        throw .createFailed(directory: current, errno: errno)
      }
    }
    return created
  }

  /// Removes one empty cgroup directory. The kernel can report EBUSY for a moment after the last task exited
  /// (its css is still being released), so that is retried briefly. A missing directory counts as removed.
  static func removeDirectory(_ path: String) throws(CgroupError) {
    var attempt = 0
    while rmdir(path) != 0 {
      let code = errno
      if code == ENOENT { return }
      if code != EBUSY || attempt >= 100 { throw .removeFailed(directory: path, errno: code) }
      attempt += 1
      pause(milliseconds: 10)
    }
  }

  /// Names of the subdirectories of `path` (child cgroups); empty when `path` does not exist.
  static func subdirectories(of path: String) -> [String] {
    guard let dir = opendir(path) else { return [] }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
      guard entry.pointee.d_type == UInt8(DT_DIR) else { continue }
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names
  }

  /// Removes `path` when it is an empty cgroup (no processes, no children) with one `rmdir`, as crun deletes; a
  /// missing directory counts as removed. False when it is still there (busy, or another error), for the caller's
  /// slower path to deal with.
  static func removeIfEmpty(_ path: String) -> Bool {
    rmdir(path) == 0 || errno == ENOENT
  }

  /// Removes `path` and every cgroup below it, deepest first.
  static func removeTree(_ path: String) throws(CgroupError) {
    for child in subdirectories(of: path) {
      try removeTree(path + "/" + child)
    }
    try removeDirectory(path)
  }

  /// Pids listed in a `cgroup.procs` file; a missing file (cgroup already gone) lists none.
  static func pids(_ file: String) throws(CgroupError) -> [Int32] {
    guard let text = try valueIfPresent(file) else { return [] }
    var pids: [Int32] = []
    for line in text.split(separator: "\n") {
      guard let pid = Int32(line) else { throw .unexpectedContent(file: file, content: text) }
      pids.append(pid)
    }
    return pids
  }

  /// `key value` lines (cpu.stat, memory.events, memory.stat, pids.events) as a dictionary; lines whose value is
  /// not a number are skipped.
  static func keyedValues(_ text: String) -> [String: UInt64] {
    var result: [String: UInt64] = [:]
    for line in text.split(separator: "\n") {
      let fields = line.split(separator: " ")
      guard fields.count == 2, let number = UInt64(fields[1]) else { continue }
      result[String(fields[0])] = number
    }
    return result
  }

  static func trimmed(_ text: String) -> String {
    let scalars = text.unicodeScalars
    guard let first = scalars.firstIndex(where: { !isSpace($0) }) else { return "" }
    let last = scalars.lastIndex(where: { !isSpace($0) }) ?? first
    return String(scalars[first...last])
  }

  private static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
    scalar == " " || scalar == "\n" || scalar == "\t" || scalar == "\r"
  }

  static func pause(milliseconds: Int) {
    var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
  }

  /// Polls `condition` with a short exponential backoff (1 ms to 50 ms) until it holds or the time is up:
  /// freezing and emptying a cgroup usually take a millisecond or two, so a fixed long sleep would dominate.
  static func waitUntil(
    timeoutMilliseconds: Int, operation: String, path: String, _ condition: () throws(CgroupError) -> Bool
  ) throws(CgroupError) {
    let deadline = now() + timeoutMilliseconds
    var delay = 1
    while true {
      if try condition() { return }
      if now() >= deadline { throw .timeout(operation: operation, path: path) }
      pause(milliseconds: delay)
      delay = min(delay * 2, 50)
    }
  }

  /// Monotonic clock in milliseconds, for polling deadlines.
  static func now() -> Int {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return ts.tv_sec * 1000 + ts.tv_nsec / 1_000_000
  }
}
