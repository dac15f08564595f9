import Foundation
import OCI
import TestSupport
import Testing

@testable import RegistryClient

@Suite("Header and config parsing")
struct ParsingTests {
  @Test func parsesBearerAndBasicChallenges() {
    let c = AuthChallenge.parse(
      #"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull,push""#
    )
    #expect(c.count == 1)
    #expect(c[0].scheme == .bearer)
    #expect(c[0].realm == "https://auth.docker.io/token")
    #expect(c[0].service == "registry.docker.io")
    #expect(c[0].scope == "repository:library/busybox:pull,push")
    let two = AuthChallenge.parse(#"Basic realm="a \"quoted\" realm", Bearer realm=https://x/token"#)
    #expect(two.map(\.scheme) == [.basic, .bearer])
    #expect(two[0].realm == #"a "quoted" realm"#)
    #expect(two[1].realm == "https://x/token")
  }

  @Test func linkHeaderNext() {
    #expect(LinkHeader.next([#"</v2/_catalog?last=b&n=2>; rel="next""#]) == "/v2/_catalog?last=b&n=2")
    #expect(
      LinkHeader.next([#"<https://r/v2/x/tags/list?n=1&last=a>; rel=next"#]) == "https://r/v2/x/tags/list?n=1&last=a")
    #expect(LinkHeader.next([#"</a>; rel="prev""#]) == nil)
    #expect(LinkHeader.next([]) == nil)
  }

  @Test func dockerConfigAuthsAndHelpers() async throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ckit-cfg-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let helper = dir.appendingPathComponent("docker-credential-ckittest")
    // A credential helper speaking Docker's protocol: server URL on stdin, JSON on stdout.
    try ExecutableFile.write(
      """
      #!/bin/sh
      read server
      if [ "$1" = get ] && [ "$server" = "helped.example.com" ]; then
        echo '{"ServerURL":"helped.example.com","Username":"hu","Secret":"hs"}'
      else
        echo "credentials not found in native keychain"; exit 1
      fi
      """, to: helper.path)
    let config = dir.appendingPathComponent("config.json")
    let json = """
      {"auths": {"https://index.docker.io/v1/": {"auth": "\(Data("hub:pw".utf8).base64EncodedString())"},
                 "tok.example.com": {"identitytoken": "refresh-1"},
                 "https://old.example.com/v1/": {"auth": "\(Data("o:p:w".utf8).base64EncodedString())"},
                 "bad.example.com": {"auth": "%%%"}},
       "credHelpers": {"helped.example.com": "\(dir.path)/ckittest-abs"},
       "other": {"kept": true}}
      """
    try json.write(to: config, atomically: true, encoding: .utf8)
    let store = DockerCredentialStore(configPath: config.path, helperSearchPath: [dir.path])
    #expect(try await store.credentials(for: "docker.io") == .basic(username: "hub", password: "pw"))
    #expect(try await store.credentials(for: "tok.example.com") == .identityToken("refresh-1"))
    #expect(try await store.credentials(for: "old.example.com") == .basic(username: "o", password: "p:w"))
    #expect(try await store.credentials(for: "nobody.example.com") == nil)
    await #expect(throws: RegistryError.self) { try await store.credentials(for: "bad.example.com") }
    // A helper that is not installed is a clear error naming it.
    await #expect {
      try await store.credentials(for: "helped.example.com")
    } throws: { "\($0)".contains("docker-credential-\(dir.path)/ckittest-abs") }

    // The helper itself, found by name on the search path.
    try #"{"credHelpers": {"helped.example.com": "ckittest"}}"#.write(to: config, atomically: true, encoding: .utf8)
    #expect(try await store.credentials(for: "helped.example.com") == .basic(username: "hu", password: "hs"))

    // store() keeps unrelated keys and writes base64 auth.
    try #"{"other": {"kept": true}}"#.write(to: config, atomically: true, encoding: .utf8)
    try await store.store(.basic(username: "u", password: "p"), for: "docker.io")
    let back = try JSONSerialization.jsonObject(with: Data(contentsOf: config)) as? [String: Any]
    #expect((back?["other"] as? [String: Any])?["kept"] as? Bool == true)
    #expect(try await store.credentials(for: "docker.io") == .basic(username: "u", password: "p"))
  }

  /// #13: `docker login`'s file is 0600 from its creation and its directory 0700 when made here, as docker
  /// makes them (the directory was 0755, and the file written open then chmodded).
  @Test func storedCredentialsArePrivate() async throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ckit-cfg-\(UUID())")
    defer { try? FileManager.default.removeItem(at: dir) }
    let config = dir.appendingPathComponent(".docker/config.json").path
    let store = DockerCredentialStore(configPath: config, helperSearchPath: [])
    try await store.store(.basic(username: "u", password: "secret"), for: "registry.example.com")
    func mode(_ path: String) -> mode_t {
      var st = stat()
      return stat(path, &st) == 0 ? st.st_mode & 0o7777 : 0
    }
    #expect(mode(config) == 0o600)
    #expect(mode(dir.appendingPathComponent(".docker").path) == 0o700)
    #expect(try await store.credentials(for: "registry.example.com") == .basic(username: "u", password: "secret"))
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent(".docker").path) == [
        "config.json"
      ])
  }

  @Test func proxySettingsFromEnvironment() {
    let p = ProxySettings.fromEnvironment([
      "HTTPS_PROXY": "http://proxy.corp:3128", "no_proxy": "internal.corp,.svc, registry.local:5000",
    ])
    #expect(p.proxy(forHost: "registry-1.docker.io", scheme: "https")?.host == "proxy.corp")
    #expect(p.proxy(forHost: "a.internal.corp", scheme: "https") == nil)
    #expect(p.proxy(forHost: "x.svc", scheme: "https") == nil)
    #expect(p.proxy(forHost: "registry.local:5000", scheme: "https") == nil)
    #expect(p.proxy(forHost: "127.0.0.1:5000", scheme: "https") == nil)
    #expect(p.proxy(forHost: "example.com", scheme: "http") == nil)
  }
}
