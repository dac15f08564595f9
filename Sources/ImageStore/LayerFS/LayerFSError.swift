import OCI

/// Errors from unpacking, diffing and mounting layers. Each names the entry, path or digest it is about, so that a
/// refused layer can be reported precisely.
public enum LayerFSError: Error, Sendable, Equatable, CustomStringConvertible {
  /// A system call failed on `path`.
  case io(operation: String, path: String, errno: Int32)
  /// A tar entry tried to reach outside the target root (`..`, absolute path, hardlink to outside).
  case unsafeEntry(entry: String, reason: String)
  /// A tar entry of a kind this unpacker refuses (for instance a hardlink to a directory).
  case unsupportedEntry(entry: String, reason: String)
  /// libarchive could not read or write the stream.
  case archive(entry: String?, message: String)
  /// The layer's bytes do not hash to the expected digest.
  case digestMismatch(what: String, expected: Digest, actual: Digest)
  /// The layer's byte count does not match the descriptor.
  case sizeMismatch(what: String, expected: Int64, actual: Int64)
  /// A mount or unmount failed; `step` names the call.
  case mount(target: String, step: String, errno: Int32)
  /// The archive `what` passed one of its `UnpackLimits`; nothing of it is to be kept.
  case limitExceeded(what: String, UnpackLimits.Exceeded)
  /// What was just created at `entry` is no longer there when its metadata is set (another process, a
  /// container sharing the directory, replaced it): refused rather than changing whatever took its place.
  case entryReplaced(entry: String, expected: String, found: String)
  /// A file an image provides (its `/etc/passwd`...) that is not what it should be: not a regular file, too big.
  case refusedFile(path: String, reason: String)

  public var description: String {
    switch self {
    case .io(let op, let path, let e): "\(op) \(path): \(Errno.message(e))"
    case .unsafeEntry(let entry, let reason): "refused layer entry \"\(entry)\": \(reason)"
    case .unsupportedEntry(let entry, let reason): "unsupported layer entry \"\(entry)\": \(reason)"
    case .archive(let entry, let message):
      entry.map { "layer archive error at \"\($0)\": \(message)" } ?? "layer archive error: \(message)"
    case .digestMismatch(let what, let expected, let actual):
      "digest mismatch for \(what): expected \(expected), got \(actual)"
    case .sizeMismatch(let what, let expected, let actual):
      "size mismatch for \(what): expected \(expected) bytes, got \(actual)"
    case .mount(let target, let step, let e): "mount \(target): \(step): \(Errno.message(e))"
    case .limitExceeded(let what, let exceeded): "\(what) refused: it \(exceeded)"
    case .entryReplaced(let entry, let expected, let found):
      "refused layer entry \"\(entry)\": the \(expected) just created was replaced by a \(found) meanwhile"
    case .refusedFile(let path, let reason): "refused \(path): \(reason)"
    }
  }
}

/// errno text without going through Foundation's NSError bridging.
public enum Errno {
  public static func message(_ e: Int32) -> String {
    guard let s = strerror(e) else { return "errno \(e)" }
    return "\(String(cString: s)) (errno \(e))"
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif
