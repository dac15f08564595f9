import Foundation
import LayerFS
import LinuxSystem
import OCI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// `images.json`: name -> manifest or index descriptor. Replaced atomically under the store lock.
struct ImageRecords: Codable, Sendable {
  var images: [String: Descriptor] = [:]
  /// Image ID -> the `repository@digest` references it was pulled by or pushed as (docker's `RepoDigests`).
  /// Optional: a file written before it existed has no such key.
  var repoDigests: [String: [String]]? = nil
}

/// `layers/<alg>-<hex>/layer.json`, written last when a layer is unpacked: its presence marks the layer complete.
struct LayerRecord: Codable, Sendable {
  var diffID: Digest
  var digest: Digest
  var size: Int64
  var uncompressedSize: Int64
}

/// `leases/<name>.json`: blobs an in-flight pull or build holds against `gc`.
struct LeaseRecord: Codable, Sendable {
  var digests: [Digest]
}

/// Whole-store lock: an `flock` on `<root>/lock`, so the CLI and a daemon on one state directory serialize their
/// read-modify-write of records; readers need none (files are replaced by rename).
enum StoreLock {
  static func with<T: Sendable>(_ root: String, _ body: @escaping @Sendable () throws(ImageStoreError) -> T)
    async throws(ImageStoreError) -> T
  {
    try await BlockingCall.run { () throws(ImageStoreError) in
      let path = root + "/lock"
      let fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
      guard fd >= 0 else { throw .layer(.io(operation: "open", path: path, errno: errno)) }
      defer { close(fd) }
      var r: Int32
      r = Syscall.retrying { flock(fd, LOCK_EX) }
      guard r == 0 else { throw .layer(.io(operation: "flock", path: path, errno: errno)) }
      return try body()
    }
  }
}

enum JSONFile {
  static func read<T: Decodable>(_ type: T.Type, _ path: String) throws(ImageStoreError) -> T? {
    guard FileOps.exists(path) else { return nil }
    let bytes: [UInt8]
    do throws(LayerFSError) { bytes = try FileOps.readFile(path) } catch { throw .layer(error) }
    do throws(OCIError) { return try SpecJSON.decode(T.self, from: Data(bytes), what: path) } catch {
      throw .oci(error)
    }
  }

  /// `durable: false` for records that describe something a crash loses anyway (a scratch snapshot). The store's
  /// records are private (0600); `mode` 0644 for files written for others (an exported OCI layout).
  static func write(_ value: some Encodable, _ path: String, durable: Bool = true, mode: mode_t = 0o600)
    throws(ImageStoreError)
  {
    let data: Data
    do { data = try SpecJSON.encode(value) } catch {
      throw .invalidArchive(path, reason: "cannot encode: \(error)")
    }
    do { try StateFile.replace(path, with: data, durable: durable, mode: mode) } catch {
      throw .layer(.io(operation: error.call, path: error.path, errno: error.errno))
    }
  }
}

extension Date {
  /// RFC 3339 with nanoseconds dropped, as Docker writes `created`. Formatted with gmtime_r: an
  /// ISO8601DateFormatter made per call cost more than the rest of a snapshot's record.
  var rfc3339: String {
    var t = time_t(timeIntervalSince1970.rounded(.down))
    var utc = tm()
    guard gmtime_r(&t, &utc) != nil else { return "1970-01-01T00:00:00Z" }
    func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
    return "\(utc.tm_year + 1900)-\(two(utc.tm_mon + 1))-\(two(utc.tm_mday))T"
      + "\(two(utc.tm_hour)):\(two(utc.tm_min)):\(two(utc.tm_sec))Z"
  }
}
