import CContainerKit
import CSeccomp
import OCI
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// libseccomp takes 3-10 ms to compile Docker's default profile for three architectures (x86_64, x86, x32): more
/// than the rest of a container's start. Every container of a host gets one of a handful of profiles (one per
/// capability set), so the program is compiled once and kept: in this process (the engine, the builder, an
/// embedder start many containers) and, for a runtime that is a new process at every start, in a file of a cache
/// directory the caller owns.
extension SeccompCompiler {
  /// Programs compiled by this process, by profile; a few entries, as a host has a few profiles.
  static let memo = Mutex<[Spec.Seccomp: Program]>([:])

  /// `compile(profile)`, from this process's memo, else from `cacheDirectory` (created 0700 if missing), else
  /// compiled and kept in both. A cache file holds the profile's canonical text and is used only when that text
  /// is the same byte for byte, so a hash collision or a stale entry is a miss, never a wrong filter; a cache
  /// directory or file not owned by this user, or writable by others, is ignored.
  public static func cachedCompile(_ profile: Spec.Seccomp, cacheDirectory: String?) throws(NamespaceError)
    -> Program
  {
    // Hashing a profile walks all of it: not worth it in a process that has compiled none (a runtime's CLI).
    if let p = memo.withLock({ $0.isEmpty ? nil : $0[profile] }) { return p }
    let key = canonicalText(profile)
    let file = cacheDirectory.map { "\($0)/\(fnv1a(key)).bpf" }
    if let file, let p = read(file, key: key) {
      remember(profile, p)
      return p
    }
    let p = try compile(profile)
    remember(profile, p)
    if let cacheDirectory, let file, prepare(cacheDirectory) { write(file, key: key, program: p) }
    return p
  }

  static func remember(_ profile: Spec.Seccomp, _ p: Program) {
    memo.withLock {
      if $0.count >= 32 { $0.removeAll() }
      $0[profile] = p
    }
  }

  /// Every field that changes the program, in a fixed order, with the libseccomp version that compiled it.
  static func canonicalText(_ s: Spec.Seccomp) -> [UInt8] {
    var t = "ckit-seccomp 3 optimize=2 enosys\n"
    if let v = seccomp_version() { t += "libseccomp \(v.pointee.major).\(v.pointee.minor).\(v.pointee.micro)\n" }
    t += "\(s.defaultAction) \(s.defaultErrnoRet.map(String.init) ?? "-")\n"
    t += "arch \((s.architectures ?? []).joined(separator: ","))\nflags \((s.flags ?? []).joined(separator: ","))\n"
    for r in s.syscalls ?? [] {
      t += "rule \(r.action) \(r.errnoRet.map(String.init) ?? "-") \(r.names.joined(separator: ","))"
      for a in r.args ?? [] { t += " [\(a.index) \(a.op) \(a.value) \(a.valueTwo.map(String.init) ?? "-")]" }
      t += "\n"
    }
    return Array(t.utf8)
  }

  static func fnv1a(_ bytes: [UInt8]) -> String {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
    return String(h, radix: 16)
  }

  /// The directory exists, is a real directory owned by this user, and only this user can write it.
  static func prepare(_ dir: String) -> Bool {
    _ = mkdir(dir, 0o700)
    var st = stat()
    guard lstat(dir, &st) == 0, st.st_mode & S_IFMT == S_IFDIR, st.st_uid == geteuid(), st.st_mode & 0o022 == 0
    else { return false }
    return true
  }

  /// File layout: the key's length (4 bytes, little endian), the flags (4), the key, the program.
  static func read(_ file: String, key: [UInt8]) -> Program? {
    let dir = String(file[..<(file.lastIndex(of: "/") ?? file.startIndex)])
    var dst = stat()
    guard lstat(dir, &dst) == 0, dst.st_uid == geteuid(), dst.st_mode & 0o022 == 0 else { return nil }
    let fd = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_uid == geteuid(), st.st_mode & 0o022 == 0,
      st.st_size > 8, st.st_size <= 1 << 20
    else { return nil }
    var bytes = [UInt8](repeating: 0, count: Int(st.st_size))
    let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
    guard n == bytes.count else { return nil }
    let keyLength = Int(u32(bytes, 0))
    let flags = u32(bytes, 4)
    let rest = bytes.count - 8 - keyLength
    guard keyLength == key.count, rest > 0, rest % 8 == 0, bytes[8..<(8 + keyLength)].elementsEqual(key) else {
      return nil
    }
    return Program(filter: Array(bytes[(8 + keyLength)...]), flags: flags)
  }

  /// Written to a temporary name and renamed, so a reader sees a whole file or none.
  static func write(_ file: String, key: [UInt8], program: Program) {
    var bytes = [UInt8]()
    bytes.reserveCapacity(8 + key.count + program.filter.count)
    for v in [UInt32(key.count), program.flags] { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    bytes += key
    bytes += program.filter
    let tmp = "\(file).\(getpid()).tmp"
    let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
    guard fd >= 0 else { return }
    let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    close(fd)
    if n != bytes.count || rename(tmp, file) != 0 { unlink(tmp) }
  }

  static func u32(_ b: [UInt8], _ at: Int) -> UInt32 {
    UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
  }
}
