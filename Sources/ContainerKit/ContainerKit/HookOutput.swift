import CContainerKit
import CLinuxSystem
import Namespaces

#if canImport(Glibc)
  import Glibc
#endif

/// Where a hook run by the runtime writes its stderr, so a failure can quote it as runc does (and as the child's
/// own hooks do): `prestart hook /bin/sh: exited with status 3: not ready`.
///
/// A memory file rather than a pipe: nothing has to read while the hook runs, and whatever the hook leaves running
/// with its stderr open cannot hold the runtime up waiting for EOF.
struct HookOutput: ~Copyable {
  /// As much as the child's hook errors carry (`ck_message.output`): the end of the output is what says why.
  static let tailLength = 255

  let fd: Int32

  init(hook path: String, kind: String) throws(ContainerError) {
    fd = cls_memfd("ckit-hook-stderr")
    guard fd >= 0 else { throw .hook(name: kind, path: path, reason: "stderr: \(ChildError.reason(errno))") }
  }

  deinit { close(fd) }

  /// The last bytes written, without surrounding whitespace; empty when the hook said nothing.
  func tail() -> String {
    var st = stat()
    guard fstat(fd, &st) == 0, st.st_size > 0 else { return "" }
    let length = min(Int(st.st_size), Self.tailLength)
    var bytes = [UInt8](repeating: 0, count: length)
    let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, length, st.st_size - off_t(length)) }
    guard n > 0 else { return "" }
    let text = String(decoding: bytes[0..<n], as: UTF8.self)
    let isSpace: (Character) -> Bool = { $0.isWhitespace }
    guard let first = text.firstIndex(where: { !isSpace($0) }), let last = text.lastIndex(where: { !isSpace($0) })
    else { return "" }
    return String(text[first...last])
  }

  /// `reason`, followed by what the hook said on stderr, if anything.
  func explain(_ reason: String) -> String {
    let said = tail()
    return said.isEmpty ? reason : "\(reason): \(said)"
  }
}
