/// A normalized image reference, as Docker understands one: `busybox` is `docker.io/library/busybox:latest`.
///
/// Parsing follows distribution's reference grammar and Docker's normalization, so a name means the same image here
/// as in `docker pull`, and errors say which part of the string is wrong instead of failing later with an HTTP 404.
public struct ImageReference: Hashable, Sendable, Codable, CustomStringConvertible {
  /// The registry as written after normalization: `docker.io`, `localhost:5000`, `[::1]:5000`.
  public let domain: String
  /// The repository path inside the registry: `library/busybox`, `user/img`, `a/b`.
  public let path: String
  /// The tag; `latest` when the string named neither tag nor digest.
  public let tag: String?
  /// The digest; when present it wins over the tag for pulling.
  public let digest: Digest?

  /// Docker Hub's canonical domain.
  public static let dockerHubDomain = "docker.io"
  static let legacyDockerHubDomain = "index.docker.io"
  /// The host that actually serves Docker Hub's registry API.
  public static let dockerHubAPIHost = "registry-1.docker.io"
  public static let defaultTag = "latest"
  static let maxNameLength = 255
  static let maxTagLength = 128

  public init(domain: String, path: String, tag: String? = nil, digest: Digest? = nil) throws(OCIError) {
    let whole = domain + "/" + path + (tag.map { ":" + $0 } ?? "") + (digest.map { "@\($0)" } ?? "")
    try Self.validateDomain(domain, in: whole)
    try Self.validatePath(path, in: whole)
    if let tag { try Self.validateTag(tag, in: whole) }
    guard domain.utf8.count + 1 + path.utf8.count <= Self.maxNameLength else {
      throw .invalidReference(whole, reason: "repository name must not be longer than \(Self.maxNameLength) characters")
    }
    self.domain = domain == Self.legacyDockerHubDomain ? Self.dockerHubDomain : domain
    self.path = path
    self.tag = tag
    self.digest = digest
  }

  /// Parses and normalizes a reference as `docker pull` does: a default registry (`docker.io`), the `library/`
  /// prefix for official images, and the `latest` tag when neither tag nor digest is given.
  public init(parsing string: String) throws(OCIError) {
    try self.init(parsing: string, defaultTag: true)
  }

  /// Parses without adding `latest`: for `docker push`/`tags`-style commands where a bare name means the repository.
  public init(parsing string: String, defaultTag: Bool) throws(OCIError) {
    guard !string.isEmpty else { throw .invalidReference(string, reason: "empty reference") }
    guard string.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else {
      throw .invalidReference(string, reason: "contains whitespace, control or non-ASCII characters")
    }
    var rest = Substring(string)
    var digest: Digest?
    if let at = rest.firstIndex(of: "@") {
      let d = String(rest[rest.index(after: at)...])
      do { digest = try Digest(parsing: d) } catch {
        throw .invalidReference(string, reason: "invalid digest \"\(d)\": \(Self.reason(error))")
      }
      rest = rest[..<at]
    }
    var tag: String?
    // A ':' after the last '/' separates the tag; one before it belongs to host:port.
    let lastSlash = rest.lastIndex(of: "/")
    if let colon = rest.lastIndex(of: ":"), lastSlash.map({ colon > $0 }) ?? true {
      tag = String(rest[rest.index(after: colon)...])
      rest = rest[..<colon]
    }
    let name = String(rest)
    guard !name.isEmpty else { throw .invalidReference(string, reason: "missing repository name") }
    if name.utf8.count == 64, name.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) {
      throw .invalidReference(string, reason: "cannot specify 64-byte hexadecimal strings as a repository name")
    }
    var domain = Self.dockerHubDomain
    var path = name
    if let slash = name.firstIndex(of: "/") {
      let first = name[..<slash]
      if first.contains(".") || first.contains(":") || first == "localhost" || first.lowercased() != first {
        domain = String(first)
        path = String(name[name.index(after: slash)...])
      }
    }
    if domain == Self.legacyDockerHubDomain { domain = Self.dockerHubDomain }
    if domain == Self.dockerHubDomain, !path.contains("/") { path = "library/" + path }
    if path.lowercased() != path {
      throw .invalidReference(string, reason: "repository name must be lowercase")
    }
    if tag == nil, digest == nil, defaultTag { tag = Self.defaultTag }
    try Self.validateDomain(domain, in: string)
    try Self.validatePath(path, in: string)
    if let tag { try Self.validateTag(tag, in: string) }
    guard name.utf8.count <= Self.maxNameLength else {
      throw .invalidReference(
        string, reason: "repository name must not be longer than \(Self.maxNameLength) characters")
    }
    self.domain = domain
    self.path = path
    self.tag = tag
    self.digest = digest
  }

  /// `domain/path`, the fully qualified repository name.
  public var name: String { domain + "/" + path }

  /// The name as Docker prints it: without `docker.io/` and `library/`.
  public var familiarName: String {
    guard domain == Self.dockerHubDomain else { return name }
    return path.hasPrefix("library/") && path.split(separator: "/").count == 2 ? String(path.dropFirst(8)) : path
  }

  /// The host (and port) to send registry API requests to.
  public var apiHost: String { domain == Self.dockerHubDomain ? Self.dockerHubAPIHost : domain }

  /// Whether the registry is on loopback, where Docker allows plain http without configuration.
  public var isLoopback: Bool { Self.isLoopback(host: domain) }

  /// What to ask the registry for: the digest when there is one, else the tag.
  public var manifestReference: String { digest?.description ?? tag ?? Self.defaultTag }

  /// The full normalized form: `docker.io/library/busybox:latest`.
  public var description: String {
    name + (tag.map { ":" + $0 } ?? "") + (digest.map { "@\($0)" } ?? "")
  }

  /// The short form Docker shows: `busybox:latest`.
  public var familiarDescription: String {
    familiarName + (tag.map { ":" + $0 } ?? "") + (digest.map { "@\($0)" } ?? "")
  }

  /// The same repository with another tag and no digest.
  public func withTag(_ tag: String) throws(OCIError) -> ImageReference {
    try ImageReference(domain: domain, path: path, tag: tag, digest: nil)
  }

  /// The same repository pinned to `digest` (the tag is kept for display, as in `name:tag@digest`).
  public func withDigest(_ digest: Digest) -> ImageReference {
    ImageReference(unchecked: domain, path: path, tag: tag, digest: digest)
  }

  /// The same repository without tag or digest.
  public var repository: ImageReference { ImageReference(unchecked: domain, path: path, tag: nil, digest: nil) }

  private init(unchecked domain: String, path: String, tag: String?, digest: Digest?) {
    self.domain = domain
    self.path = path
    self.tag = tag
    self.digest = digest
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.singleValueContainer()
    let s = try c.decode(String.self)
    do { try self.init(parsing: s, defaultTag: false) } catch {
      throw DecodingError.dataCorruptedError(in: c, debugDescription: error.description)
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.singleValueContainer()
    try c.encode(description)
  }

  /// Whether `host` (with an optional port) is `localhost` or in 127.0.0.0/8 or `::1`.
  public static func isLoopback(host: String) -> Bool {
    var h = Substring(host)
    if h.hasPrefix("[") {
      guard let close = h.firstIndex(of: "]") else { return false }
      return h[h.index(after: h.startIndex)..<close] == "::1"
    }
    if let colon = h.firstIndex(of: ":") { h = h[..<colon] }
    if h == "localhost" { return true }
    let octets = h.split(separator: ".", omittingEmptySubsequences: false)
    return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
  }

  // MARK: Validation (distribution/reference's grammar)

  private static func reason(_ error: OCIError) -> String {
    if case .invalidDigest(_, let reason) = error { return reason }
    return error.description
  }

  private static func isAlnumLower(_ c: UInt8) -> Bool { (0x61...0x7a).contains(c) || (0x30...0x39).contains(c) }
  private static func isAlnum(_ c: UInt8) -> Bool { isAlnumLower(c) || (0x41...0x5a).contains(c) }

  /// `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*` per component.
  static func validatePath(_ path: String, in whole: String) throws(OCIError) {
    for component in path.split(separator: "/", omittingEmptySubsequences: false) {
      let b = Array(component.utf8)
      guard !b.isEmpty else {
        throw .invalidReference(whole, reason: "empty path component in repository name \"\(path)\"")
      }
      guard isAlnumLower(b[0]), isAlnumLower(b[b.count - 1]) else {
        throw .invalidReference(
          whole,
          reason: "path component \"\(component)\" must start and end with a lowercase letter or digit")
      }
      var i = 0
      while i < b.count {
        if isAlnumLower(b[i]) {
          i += 1
          continue
        }
        var j = i
        while j < b.count, !isAlnumLower(b[j]) { j += 1 }
        let sep = String(decoding: b[i..<j], as: UTF8.self)
        let ok = sep == "." || sep == "_" || sep == "__" || sep.utf8.allSatisfy { $0 == 0x2d }
        guard ok else {
          throw .invalidReference(
            whole, reason: "path component \"\(component)\" has invalid separator or character \"\(sep)\"")
        }
        i = j
      }
    }
  }

  /// Host name components or an IPv6 literal in brackets, then an optional numeric port.
  static func validateDomain(_ domain: String, in whole: String) throws(OCIError) {
    var host = Substring(domain)
    var port: Substring?
    if host.hasPrefix("[") {
      guard let close = host.firstIndex(of: "]") else {
        throw .invalidReference(whole, reason: "unterminated IPv6 address in registry \"\(domain)\"")
      }
      let inside = host[host.index(after: host.startIndex)..<close]
      guard !inside.isEmpty, inside.utf8.allSatisfy({ isAlnum($0) || $0 == 0x3a || $0 == 0x2e }) else {
        throw .invalidReference(whole, reason: "invalid IPv6 address in registry \"\(domain)\"")
      }
      let after = host[host.index(after: close)...]
      if !after.isEmpty {
        guard after.first == ":" else {
          throw .invalidReference(whole, reason: "invalid registry \"\(domain)\"")
        }
        port = after.dropFirst()
      }
      host = ""
    } else if let colon = host.firstIndex(of: ":") {
      port = host[host.index(after: colon)...]
      host = host[..<colon]
    }
    if let port {
      guard !port.isEmpty, port.utf8.count <= 5, port.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
        throw .invalidReference(whole, reason: "invalid port \"\(port)\" in registry \"\(domain)\"")
      }
    }
    if domain.hasPrefix("[") { return }
    guard !host.isEmpty else { throw .invalidReference(whole, reason: "empty registry host") }
    for component in host.split(separator: ".", omittingEmptySubsequences: false) {
      let b = Array(component.utf8)
      guard !b.isEmpty, isAlnum(b[0]), isAlnum(b[b.count - 1]), b.allSatisfy({ isAlnum($0) || $0 == 0x2d }) else {
        throw .invalidReference(whole, reason: "invalid registry host \"\(host)\"")
      }
    }
  }

  /// `[\w][\w.-]{0,127}`.
  static func validateTag(_ tag: String, in whole: String) throws(OCIError) {
    let b = Array(tag.utf8)
    guard !b.isEmpty else { throw .invalidReference(whole, reason: "empty tag") }
    guard b.count <= maxTagLength else {
      throw .invalidReference(whole, reason: "tag must not be longer than \(maxTagLength) characters")
    }
    func word(_ c: UInt8) -> Bool { isAlnum(c) || c == 0x5f }
    guard word(b[0]), b.allSatisfy({ word($0) || $0 == 0x2e || $0 == 0x2d }) else {
      throw .invalidReference(
        whole, reason: "invalid tag \"\(tag)\": must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
    }
  }
}
