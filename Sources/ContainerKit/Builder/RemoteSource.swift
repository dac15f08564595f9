import AsyncHTTPClient
import Foundation
import NIOCore
import OCI

/// ADD's http(s) sources: downloaded into a private directory, checked against `--checksum`, then copied like a
/// local file (never unpacked, mode 0600, mtime from `Last-Modified`, as Docker does).
enum RemoteSource {
  static func isURL(_ s: String) -> Bool {
    s.hasPrefix("http://") || s.hasPrefix("https://")
  }

  /// The file name a URL gives a `/`-terminated destination: its last path component.
  static func fileName(_ url: URL) -> String {
    let last = url.lastPathComponent
    return last.isEmpty || last == "/" ? "download" : last
  }

  /// Downloads `urlString` into `dir`; the file's SHA-256 must equal `checksum` when one is given.
  static func download(_ urlString: String, into dir: URL, checksum: String?) async throws -> (URL, Digest) {
    guard let url = URL(string: urlString) else {
      throw BuildError.invalidInstruction("ADD", reason: "invalid URL \"\(urlString)\"")
    }
    let body: ByteBuffer
    let lastModified: String?
    do {
      let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: urlString), timeout: .seconds(300))
      guard (200..<300).contains(response.status.code) else {
        throw BuildError.invalidInstruction(
          "ADD", reason: "cannot download \(urlString): HTTP \(response.status.code)")
      }
      lastModified = response.headers.first(name: "Last-Modified")
      body = try await response.body.collect(upTo: 1 << 32)
    } catch let e as BuildError {
      throw e
    } catch {
      throw BuildError.invalidInstruction("ADD", reason: "cannot download \(urlString): \(error)")
    }
    let data = Data(body.readableBytesView)
    let digest = Digest.sha256(of: data)
    if let checksum, checksum != digest.description {
      throw BuildError.checksumMismatch(url: urlString, expected: checksum, actual: digest.description)
    }
    let file = dir.appendingPathComponent(fileName(url))
    do { try data.write(to: file) } catch { throw BuildError.io(path: file.path, errno: EIO) }
    chmod(file.path, 0o600)
    if let lm = lastModified {
      let f = DateFormatter()
      f.locale = Locale(identifier: "en_US_POSIX")
      f.timeZone = TimeZone(identifier: "GMT")
      f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
      if let date = f.date(from: lm) {
        var times = [
          timespec(tv_sec: Int(date.timeIntervalSince1970), tv_nsec: 0),
          timespec(tv_sec: Int(date.timeIntervalSince1970), tv_nsec: 0),
        ]
        utimensat(AT_FDCWD, file.path, &times, 0)
      }
    }
    return (file, digest)
  }
}
