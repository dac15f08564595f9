import Foundation
import LinuxSystem
import OCI

/// Docker's client credentials: `auths` in `config.json` (base64 `auth`, `identitytoken`) and credential helpers
/// (`credsStore`, `credHelpers` -> `docker-credential-NAME get|store`), read the way the Docker CLI reads them so
/// a `docker login` done on this machine works here, and a `login` here works for Docker.
public struct DockerCredentialStore: Sendable {
  public let configPath: String
  /// Directories searched for `docker-credential-*`; `nil` means `$PATH`.
  public let helperSearchPath: [String]?

  public init(configPath: String, helperSearchPath: [String]? = nil) {
    self.configPath = configPath
    self.helperSearchPath = helperSearchPath
  }

  /// The key Docker uses in `auths` and with helpers for `registry` (`docker.io` is `https://index.docker.io/v1/`).
  public static func serverAddress(for registry: String) -> String {
    registry == "docker.io" || registry == "index.docker.io" || registry == "registry-1.docker.io"
      ? "https://index.docker.io/v1/" : registry
  }

  /// Credentials for `registry`, or `nil` when none are configured.
  public func credentials(for registry: String) async throws(RegistryError) -> RegistryCredentials? {
    guard let config = try readConfig() else { return nil }
    let server = Self.serverAddress(for: registry)
    if let helpers = config["credHelpers"] as? [String: String], let helper = helpers[registry] ?? helpers[server] {
      return try await helperGet(helper, server: server, registry: registry)
    }
    if let auths = config["auths"] as? [String: Any],
      let entry = Self.entry(in: auths, server: server, registry: registry)
    {
      if let token = entry["identitytoken"] as? String, !token.isEmpty { return .identityToken(token) }
      if let auth = entry["auth"] as? String, !auth.isEmpty {
        guard let data = Data(base64Encoded: auth), let s = String(data: data, encoding: .utf8),
          let colon = s.firstIndex(of: ":")
        else {
          throw .credentials(registry: registry, reason: "\(configPath): auths entry has an invalid base64 'auth'")
        }
        return .basic(username: String(s[..<colon]), password: String(s[s.index(after: colon)...]))
      }
      if let u = entry["username"] as? String, let p = entry["password"] as? String {
        return .basic(username: u, password: p)
      }
    }
    if let store = config["credsStore"] as? String, !store.isEmpty {
      return try await helperGet(store, server: server, registry: registry)
    }
    return nil
  }

  /// Saves `credentials` as `docker login` does: in the configured `credsStore`/`credHelpers` helper when there is
  /// one, else base64 in `auths`. Other keys of `config.json` are kept.
  public func store(_ credentials: RegistryCredentials, for registry: String) async throws(RegistryError) {
    var config = try readConfig() ?? [:]
    let server = Self.serverAddress(for: registry)
    let helper = (config["credHelpers"] as? [String: String])?[registry] ?? (config["credsStore"] as? String)
    var auths = config["auths"] as? [String: Any] ?? [:]
    if let helper, !helper.isEmpty {
      let (user, secret): (String, String) =
        switch credentials {
        case .basic(let u, let p): (u, p)
        case .identityToken(let t): ("<token>", t)
        }
      let payload: [String: String] = ["ServerURL": server, "Username": user, "Secret": secret]
      let input = (try? JSONSerialization.data(withJSONObject: payload)) ?? Data()
      _ = try await runHelper(helper, verb: "store", input: input, registry: registry)
      auths[server] = [String: Any]()
    } else {
      switch credentials {
      case .basic(let u, let p): auths[server] = ["auth": Data("\(u):\(p)".utf8).base64EncodedString()]
      case .identityToken(let t): auths[server] = ["identitytoken": t]
      }
    }
    config["auths"] = auths
    // As docker: the directory 0700 when made here, the file 0600 from its creation (StateFile: a temp file
    // opened O_CREAT|O_EXCL 0600, flushed, renamed over); Foundation's createFile wrote it with the umask's mode
    // and chmodded it after, a window in which any local user could open it.
    do {
      let dir = (configPath as NSString).deletingLastPathComponent
      if mkdir(dir, 0o700) != 0 && errno != EEXIST {
        try FileManager.default.createDirectory(
          atPath: (dir as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        guard mkdir(dir, 0o700) == 0 || errno == EEXIST else {
          throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
      }
      let data = try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
      try StateFile.replace(configPath, with: data, durable: true, mode: 0o600)
    } catch {
      throw .credentials(registry: registry, reason: "cannot write \(configPath): \(error)")
    }
  }

  private static func entry(in auths: [String: Any], server: String, registry: String) -> [String: Any]? {
    if let e = auths[server] as? [String: Any] { return e }
    if let e = auths[registry] as? [String: Any] { return e }
    // Older clients wrote URLs ("https://host/v1/"); match on the host part.
    for (key, value) in auths {
      var host = Substring(key)
      if let r = host.range(of: "://") { host = host[r.upperBound...] }
      if let slash = host.firstIndex(of: "/") { host = host[..<slash] }
      if host == registry || (registry == "docker.io" && host == "index.docker.io") {
        return value as? [String: Any]
      }
    }
    return nil
  }

  private func readConfig() throws(RegistryError) -> [String: Any]? {
    guard let data = FileManager.default.contents(atPath: configPath) else { return nil }
    do {
      guard let obj = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        throw RegistryError.credentials(registry: "*", reason: "\(configPath) is not a JSON object")
      }
      return obj
    } catch let e as RegistryError {
      throw e
    } catch {
      throw .credentials(registry: "*", reason: "\(configPath) is not valid JSON: \(error)")
    }
  }

  private func helperGet(_ helper: String, server: String, registry: String) async throws(RegistryError)
    -> RegistryCredentials?
  {
    let out = try await runHelper(helper, verb: "get", input: Data(server.utf8), registry: registry)
    guard let out else { return nil }
    guard let obj = try? JSONSerialization.jsonObject(with: out) as? [String: Any],
      let user = obj["Username"] as? String, let secret = obj["Secret"] as? String
    else {
      throw .credentials(registry: registry, reason: "docker-credential-\(helper) get returned malformed JSON")
    }
    return user == "<token>" ? .identityToken(secret) : .basic(username: user, password: secret)
  }

  /// Runs `docker-credential-NAME VERB`; returns `nil` for "credentials not found". The helper runs and is waited
  /// for off the cooperative pool (``ToolProcess``).
  private func runHelper(_ helper: String, verb: String, input: Data, registry: String) async throws(RegistryError)
    -> Data?
  {
    let name = "docker-credential-" + helper
    let dirs =
      helperSearchPath
      ?? (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":").map(
        String.init)
    let path = dirs.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    guard let path else {
      throw .credentials(registry: registry, reason: "credential helper \(name) not found in PATH")
    }
    let outcome: ToolProcess.Outcome
    do { outcome = try await ToolProcess.run(path, [verb], input: Array(input)) } catch {
      throw .credentials(registry: registry, reason: "cannot run \(name): \(error)")
    }
    let out = Data(outcome.output)
    if outcome.status != 0 {
      let msg = String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
      if verb == "get", msg.lowercased().contains("credentials not found") { return nil }
      throw .credentials(registry: registry, reason: "\(name) \(verb) failed: \(msg)")
    }
    return out
  }
}
