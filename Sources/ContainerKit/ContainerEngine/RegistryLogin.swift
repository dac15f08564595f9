import AsyncHTTPClient
import Foundation
import OCI
import RegistryClient

/// `docker login`'s check and `docker logout`'s forgetting: credentials are checked with `GET /v2/` (distribution
/// spec's version check: 200 means they work) and kept where docker keeps them (`$DOCKER_CONFIG/config.json`, else
/// `~/.docker/config.json`), so that pulls, pushes and docker itself read the same file.
package enum RegistryLogin {
  /// Checks `username:password` against `server`'s registry API; throws docker's message when it refuses them.
  package static func verify(
    server: String, username: String, password: String, configuration: RegistryConfiguration
  ) async throws {
    let auth = Data("\(username):\(password)".utf8).base64EncodedString()
    let host = server == "docker.io" ? "registry-1.docker.io" : server
    // Plain http (and the password in clear) only where pulls allow it: loopback (the one loopback rule of the
    // image side) and the configured insecure registries. A prefix test let `localhost.example.com` or `127.evil`
    // have the Basic header in clear.
    let local = configuration.allowsPlainHTTP(host)
    var lastError = "unreachable"
    for scheme in local ? ["http", "https"] : ["https"] {
      let url = "\(scheme)://\(host)/v2/"
      // AsyncHTTPClient and not URLSession: FoundationNetworking would bring libcurl into the static binary.
      var request = HTTPClientRequest(url: url)
      request.headers.add(name: "Authorization", value: "Basic \(auth)")
      do {
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let status = Int(response.status.code)
        if status == 200 { return }
        if status == 401 {
          throw EngineError.invalidArgument("login attempt to \(url) failed with status: 401 Unauthorized")
        }
        lastError = "status \(status)"
      } catch let e as EngineError {
        throw e
      } catch {
        lastError = String(describing: error)
      }
    }
    throw EngineError.invalidArgument("Get \"https://\(host)/v2/\": \(lastError)")
  }

  /// Removes `server`'s entry from docker's `auths` (under the name given and under docker's key for it); other
  /// keys of the file are kept. Returns whether there was one.
  package static func forget(server: String, configPath: String) throws -> Bool {
    guard let data = FileManager.default.contents(atPath: configPath) else { return false }
    guard var root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
      throw EngineError.state(path: configPath, reason: "not a JSON object")
    }
    var auths = (root["auths"] as? [String: Any]) ?? [:]
    let keys = Set([server, DockerCredentialStore.serverAddress(for: server)])
    guard keys.contains(where: { auths[$0] != nil }) else { return false }
    for k in keys { auths[k] = nil }
    root["auths"] = auths
    let out = try JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys])
    // As docker: the file 0600 from its creation (a temp file opened O_CREAT|O_EXCL 0600, flushed, renamed over).
    do { try StateFile.replace(configPath, with: out, durable: true, mode: 0o600) } catch {
      throw EngineError.underlying(context: "logout \(server)", cause: error)
    }
    return true
  }
}
