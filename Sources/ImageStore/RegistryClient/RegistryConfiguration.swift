import Foundation
import OCI

/// How a `RegistryClient` reaches registries: security exceptions, certificate locations, limits.
///
/// The defaults match Docker's daemon: TLS with the system CAs plus `/etc/docker/certs.d/HOST:PORT/`, plain http
/// only for registries listed as insecure or on loopback, three parallel layer downloads.
public struct RegistryConfiguration: Sendable, Equatable {
  /// Registries (`host` or `host:port`) that may use plain http or unverified TLS, as `insecure-registries`.
  public var insecureRegistries: Set<String>
  /// Docker's per-registry certificate directory: `HOST:PORT/ca.crt` (extra roots), `client.cert`/`client.key`.
  public var certificatesDirectory: String
  /// Where credentials are read and `login` stores them; `nil` means `$DOCKER_CONFIG/config.json` or
  /// `~/.docker/config.json`.
  public var dockerConfigPath: String?
  /// The platform pulled from multi-platform images when the caller names none.
  public var defaultPlatform: Platform
  /// Layers downloaded or uploaded at once, per image.
  public var maxConcurrentTransfers: Int
  /// HTTP/1 connections kept per host.
  public var maxConnectionsPerHost: Int
  /// Attempts for a request that fails with a 5xx or a dropped connection, including the first.
  public var maxAttempts: Int
  /// First retry delay; doubled on each further attempt.
  public var retryBaseDelay: Duration
  /// Connection establishment limit.
  public var connectTimeout: Duration
  /// Limit between two reads on a connection: a stalled transfer fails instead of hanging.
  public var readTimeout: Duration
  /// Blobs larger than this are uploaded in chunks of this size (PATCH with Content-Range); `nil` uploads
  /// every blob in one PUT.
  public var uploadChunkSize: Int?
  /// Docker Hub's search API; replaceable so tests can point it at a fixture.
  public var hubSearchEndpoint: String
  /// Proxies, from `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` by default.
  public var proxy: ProxySettings
  /// Sent with every request.
  public var userAgent: String

  public init(
    insecureRegistries: Set<String> = [], certificatesDirectory: String = "/etc/docker/certs.d",
    dockerConfigPath: String? = nil, defaultPlatform: Platform = Platform(os: "linux", architecture: "amd64"),
    maxConcurrentTransfers: Int = 3, maxConnectionsPerHost: Int = 8, maxAttempts: Int = 5,
    retryBaseDelay: Duration = .milliseconds(200), connectTimeout: Duration = .seconds(15),
    readTimeout: Duration = .seconds(60), uploadChunkSize: Int? = nil,
    hubSearchEndpoint: String = "https://index.docker.io/v1/search",
    proxy: ProxySettings = .fromEnvironment(), userAgent: String = "containerkit/0.1"
  ) {
    self.insecureRegistries = insecureRegistries
    self.certificatesDirectory = certificatesDirectory
    self.dockerConfigPath = dockerConfigPath
    self.defaultPlatform = defaultPlatform
    self.maxConcurrentTransfers = max(1, maxConcurrentTransfers)
    self.maxConnectionsPerHost = max(1, maxConnectionsPerHost)
    self.maxAttempts = max(1, maxAttempts)
    self.retryBaseDelay = retryBaseDelay
    self.connectTimeout = connectTimeout
    self.readTimeout = readTimeout
    self.uploadChunkSize = uploadChunkSize
    self.hubSearchEndpoint = hubSearchEndpoint
    self.proxy = proxy
    self.userAgent = userAgent
  }

  /// Whether `host` is listed in `insecureRegistries` (with or without its port): plain http and unverified TLS.
  public func isInsecure(_ host: String) -> Bool {
    if insecureRegistries.contains(host) { return true }
    if let colon = host.lastIndex(of: ":"), !host.hasSuffix("]"),
      insecureRegistries.contains(String(host[..<colon]))
    {
      return true
    }
    return false
  }

  /// Whether `host` may fall back to plain http: insecure registries, and loopback as in Docker. Loopback over
  /// https is still verified, so a TLS registry on 127.0.0.1 is as trustworthy as anywhere else.
  public func allowsPlainHTTP(_ host: String) -> Bool {
    isInsecure(host) || ImageReference.isLoopback(host: host)
  }

  /// The `DOCKER_CONFIG`-aware path of Docker's client configuration.
  public var resolvedDockerConfigPath: String {
    if let dockerConfigPath { return dockerConfigPath }
    let env = ProcessInfo.processInfo.environment
    if let dir = env["DOCKER_CONFIG"], !dir.isEmpty { return dir + "/config.json" }
    return (env["HOME"] ?? NSHomeDirectory()) + "/.docker/config.json"
  }
}

/// An HTTP(S) proxy and the hosts that bypass it, in curl's and Docker's environment conventions.
public struct ProxySettings: Sendable, Hashable {
  public var httpsProxy: URLComponents?
  public var httpProxy: URLComponents?
  /// `NO_PROXY` entries: host names, `.domain` suffixes, `*`.
  public var noProxy: [String]

  public init(httpsProxy: URLComponents? = nil, httpProxy: URLComponents? = nil, noProxy: [String] = []) {
    self.httpsProxy = httpsProxy
    self.httpProxy = httpProxy
    self.noProxy = noProxy
  }

  public static let none = ProxySettings()

  public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) -> ProxySettings {
    func value(_ name: String) -> String? { env[name] ?? env[name.lowercased()] }
    func url(_ name: String) -> URLComponents? {
      guard let v = value(name), !v.isEmpty else { return nil }
      return URLComponents(string: v.contains("://") ? v : "http://" + v)
    }
    let noProxy = (value("NO_PROXY") ?? "").split(separator: ",").map {
      $0.trimmingCharacters(in: .whitespaces)
    }.filter { !$0.isEmpty }
    return ProxySettings(httpsProxy: url("HTTPS_PROXY"), httpProxy: url("HTTP_PROXY"), noProxy: noProxy)
  }

  /// The proxy for a request to `host` over `scheme`, or `nil` to connect directly. Loopback is always direct.
  public func proxy(forHost host: String, scheme: String) -> URLComponents? {
    let bare = host.hasPrefix("[") ? host : String(host.split(separator: ":").first ?? Substring(host))
    if ImageReference.isLoopback(host: host) { return nil }
    for entry in noProxy {
      if entry == "*" { return nil }
      let e = entry.hasPrefix(".") ? String(entry.dropFirst()) : entry
      if bare == e || bare.hasSuffix("." + e) || host == entry { return nil }
    }
    return scheme == "https" ? httpsProxy : httpProxy
  }
}
