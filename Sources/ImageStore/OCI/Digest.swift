import Crypto
import FoundationEssentials

/// A content address, `algorithm:encoded`, as defined by the OCI image spec.
///
/// Parsing validates the form strictly, because a digest names a file in the content store and a malformed one
/// from a registry or a tarball must never become a path.
public struct Digest: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
  public enum Algorithm: String, Sendable, Codable {
    case sha256, sha512

    /// Length of the lowercase hex encoding.
    public var encodedLength: Int { self == .sha256 ? 64 : 128 }
  }

  public let algorithm: Algorithm
  /// Lowercase hex.
  public let encoded: String

  public init(algorithm: Algorithm, encoded: String) throws(OCIError) {
    guard encoded.utf8.count == algorithm.encodedLength,
      encoded.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
    else {
      throw .invalidDigest(
        "\(algorithm.rawValue):\(encoded)", reason: "expected \(algorithm.encodedLength) lowercase hex characters")
    }
    self.algorithm = algorithm
    self.encoded = encoded
  }

  public init(parsing string: String) throws(OCIError) {
    guard let colon = string.firstIndex(of: ":") else {
      throw .invalidDigest(string, reason: "missing ':' between algorithm and encoded part")
    }
    let algo = String(string[..<colon])
    guard let algorithm = Algorithm(rawValue: algo) else {
      throw .invalidDigest(string, reason: "unsupported algorithm '\(algo)'")
    }
    try self.init(algorithm: algorithm, encoded: String(string[string.index(after: colon)...]))
  }

  public var description: String { "\(algorithm.rawValue):\(encoded)" }

  /// The first 12 hex characters, as docker shows image and container IDs.
  public var shortID: String { String(encoded.prefix(12)) }

  public static func < (a: Digest, b: Digest) -> Bool { a.description < b.description }

  /// The SHA-256 digest of `bytes`.
  public static func sha256(of bytes: some DataProtocol) -> Digest {
    Digest(unchecked: .sha256, hex: SHA256.hash(data: bytes).hexString)
  }

  /// The SHA-512 digest of `bytes`.
  public static func sha512(of bytes: some DataProtocol) -> Digest {
    Digest(unchecked: .sha512, hex: SHA512.hash(data: bytes).hexString)
  }

  /// For hashes computed here, which are well-formed by construction.
  public init(unchecked algorithm: Algorithm, hex: String) {
    self.algorithm = algorithm
    self.encoded = hex
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.singleValueContainer()
    let s = try c.decode(String.self)
    do { try self.init(parsing: s) } catch {
      throw DecodingError.dataCorruptedError(in: c, debugDescription: error.description)
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.singleValueContainer()
    try c.encode(description)
  }
}

extension Sequence where Element == UInt8 {
  /// Lowercase hex encoding.
  public var hexString: String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(underestimatedCount * 2)
    for b in self {
      out.append(digits[Int(b >> 4)])
      out.append(digits[Int(b & 0xf)])
    }
    return String(decoding: out, as: UTF8.self)
  }
}

/// Hashes a stream incrementally; used wherever bytes are verified as they arrive.
public struct DigestHasher {
  private enum State {
    case sha256(SHA256)
    case sha512(SHA512)
  }
  private var state: State
  public let algorithm: Digest.Algorithm

  public init(_ algorithm: Digest.Algorithm = .sha256) {
    self.algorithm = algorithm
    switch algorithm {
    case .sha256: state = .sha256(SHA256())
    case .sha512: state = .sha512(SHA512())
    }
  }

  public mutating func update(_ bytes: UnsafeRawBufferPointer) {
    switch state {
    case .sha256(var h):
      h.update(bufferPointer: bytes)
      state = .sha256(h)
    case .sha512(var h):
      h.update(bufferPointer: bytes)
      state = .sha512(h)
    }
  }

  public mutating func update(_ bytes: some DataProtocol) {
    for region in bytes.regions {
      region.withUnsafeBytes { update($0) }
    }
  }

  public func finalize() -> Digest {
    switch state {
    case .sha256(let h): Digest(unchecked: .sha256, hex: h.finalize().hexString)
    case .sha512(let h): Digest(unchecked: .sha512, hex: h.finalize().hexString)
    }
  }
}
