import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import OCI
import RegistryClient

struct Login: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "login", abstract: "Authenticate to a registry")
  @OptionGroup var global: GlobalOptions
  @Option(name: .shortAndLong, help: "Username") var username: String?
  @Option(name: .shortAndLong, help: "Password") var password: String?
  @Flag(name: .customLong("password-stdin"), help: "Take the password from stdin") var passwordStdin = false
  @Argument(help: "[SERVER]") var server: String = "docker.io"

  func run() async throws {
    guard let username, !username.isEmpty else {
      throw CkitError.invalidArgument("Username is required (-u); interactive login is not supported")
    }
    var secret = password ?? ""
    if passwordStdin {
      guard password == nil else {
        throw CkitError.invalidArgument("--password and --password-stdin are mutually exclusive")
      }
      secret = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        .trimmingCharacters(in: .newlines)
    }
    guard !secret.isEmpty else { throw CkitError.invalidArgument("Password is required") }
    let auth = Data("\(username):\(secret)".utf8).base64EncodedString()
    try await RegistryLogin.verify(server: server, auth: auth)
    try DockerConfig.update { auths in auths[server] = ["auth": auth] }
    print("Login Succeeded")
  }
}

struct Logout: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "logout", abstract: "Log out from a registry")
  @OptionGroup var global: GlobalOptions
  @Argument(help: "[SERVER]") var server: String = "docker.io"

  func run() async throws {
    var had = false
    try DockerConfig.update { auths in
      had = auths[server] != nil
      auths[server] = nil
    }
    print(had ? "Removing login credentials for \(server)" : "Not logged in to \(server)")
  }
}

/// Credentials live where docker keeps them (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`), in
/// docker's `auths` layout, so the registry client and docker itself read the same file. Other keys are kept.
enum DockerConfig {
  /// The file pulls read their credentials from (`$HOME` first, as docker: Foundation's home ignores it).
  static var path: String { RegistryConfiguration().resolvedDockerConfigPath }

  static func update(_ body: (inout [String: [String: String]]) -> Void) throws {
    var root = [String: Any]()
    if let data = FileManager.default.contents(atPath: path) {
      guard let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        throw CkitError.state(path: path, reason: "not a JSON object")
      }
      root = obj
    }
    var auths = (root["auths"] as? [String: [String: String]]) ?? [:]
    body(&auths)
    root["auths"] = auths
    // As docker: the directory 0700 when made here, the file 0600 from its creation (a temp file opened
    // O_CREAT|O_EXCL 0600, flushed, renamed over), never written open to others and chmodded after.
    let dir = (path as NSString).deletingLastPathComponent
    if mkdir(dir, 0o700) != 0 && errno != EEXIST {
      try FileManager.default.createDirectory(
        atPath: (dir as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      guard mkdir(dir, 0o700) == 0 || errno == EEXIST else {
        throw CkitError.state(path: dir, reason: String(cString: strerror(errno)))
      }
    }
    let data = try JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys])
    do { try StateFile.replace(path, with: data, durable: true, mode: 0o600) } catch {
      throw CkitError.state(path: path, reason: error.description)
    }
  }
}

/// `GET /v2/` with the credentials: 200 means they work (distribution spec's API version check).
enum RegistryLogin {
  static func verify(server: String, auth: String) async throws {
    let host = server == "docker.io" ? "registry-1.docker.io" : server
    // Plain http (and the password in clear) only where pulls allow it: the one loopback rule of the image side.
    // A prefix test let `localhost.example.com` or `127.evil` have the Basic header in clear.
    let local = ImageReference.isLoopback(host: host)
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
          throw CkitError.invalidArgument("login attempt to \(url) failed with status: 401 Unauthorized")
        }
        lastError = "status \(status)"
      } catch let e as CkitError {
        throw e
      } catch {
        lastError = String(describing: error)
      }
    }
    throw CkitError.invalidArgument("Get \"https://\(host)/v2/\": \(lastError)")
  }
}
