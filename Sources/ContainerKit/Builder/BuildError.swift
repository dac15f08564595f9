import DockerfileParser
import Foundation

/// Why a build failed, naming the instruction, file or image at fault so the user can act on it without a trace.
public enum BuildError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The Dockerfile is malformed (unknown instruction, bad flag, misplaced instruction, failed expansion): found
  /// before any step runs, with the line, as Docker reports it.
  case dockerfile(DockerfileError)
  /// A `COPY --from` (or `RUN --mount=from=`) on `line` names neither an earlier stage nor an image that can be
  /// found or pulled; `cause` says why the image lookup failed.
  case unknownCopySource(String, line: Int, cause: String)
  /// The context directory or tar stream could not be read.
  case contextUnreadable(String, reason: String)
  /// A COPY/ADD source matched nothing in the context (or stage).
  case sourceNotFound(String, instruction: String)
  /// A COPY/ADD source resolved outside its root (`../`, a symlink out of the context).
  case sourceOutsideContext(String)
  /// Several sources, or a wildcard, need a directory destination ending in `/`.
  case destinationNotDirectory(String, instruction: String)
  /// A `--chown` user or group that the image's `/etc/passwd` or `/etc/group` does not know.
  case unknownUser(String)
  /// A `--chmod` value that is not an octal mode.
  case invalidMode(String)
  /// A malformed instruction argument (EXPOSE port, HEALTHCHECK flag, STOPSIGNAL...).
  case invalidInstruction(String, reason: String)
  /// A RUN that exited non-zero; `output` is its combined stdout and stderr, for the error message.
  case runFailed(command: String, exitCode: Int32, output: String)
  /// FROM names a stage or image that does not exist.
  case unknownBase(String)
  /// `--target` names no stage.
  case unknownTarget(String)
  /// A tar archive (context stream or ADD source) could not be read.
  case archive(String, reason: String)
  /// A downloaded ADD source did not match `--checksum`.
  case checksumMismatch(url: String, expected: String, actual: String)
  /// Reading or writing a file failed.
  case io(path: String, errno: Int32)
  /// The cache index holds an entry that cannot be decoded.
  case corruptCacheEntry(String)
  /// A dependency (store, runtime, parser) failed; its description is kept.
  case underlying(String)

  public var description: String {
    switch self {
    case .dockerfile(let e):
      e.line > 0 ? "Dockerfile parse error line \(e.line): \(e.reason)" : "Dockerfile parse error: \(e.reason)"
    case .unknownCopySource(let r, let line, let cause):
      "dockerfile line \(line): --from=\(r) names no build stage, and no image \"\(r)\" was found: \(cause)"
    case .contextUnreadable(let p, let r): "build context \"\(p)\" cannot be read: \(r)"
    case .sourceNotFound(let s, let i): "\(i): source \"\(s)\" not found in build context"
    case .sourceOutsideContext(let s): "forbidden path outside the build context: \(s)"
    case .destinationNotDirectory(let d, let i):
      "\(i): when using more than one source or a wildcard, destination \"\(d)\" must be a directory and end with /"
    case .unknownUser(let u): "unable to find user or group \"\(u)\": no matching entries in passwd/group file"
    case .invalidMode(let m): "invalid --chmod value \"\(m)\": expected an octal mode"
    case .invalidInstruction(let i, let r): "\(i): \(r)"
    case .runFailed(let c, let code, _): "RUN \(c): exit code \(code)"
    case .unknownBase(let b): "base image \"\(b)\" not found"
    case .unknownTarget(let t): "target stage \"\(t)\" could not be found"
    case .archive(let p, let r): "archive \"\(p)\": \(r)"
    case .checksumMismatch(let u, let e, let a): "ADD \(u): checksum mismatch: expected \(e), got \(a)"
    case .io(let p, let e): "\(p): \(String(cString: strerror(e)))"
    case .corruptCacheEntry(let k): "build cache entry \(k) is corrupt"
    case .underlying(let s): s
    }
  }
}
