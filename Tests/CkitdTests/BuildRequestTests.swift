import Builder
import ContainerEngine
import Foundation
import TestSupport
import Testing

@testable import ckitd

/// `POST /build`'s query and its untrusted context; `X-Registry-Auth`.
@Suite struct BuildRequestTests {
  @Test func queryBecomesOptions() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ckitd-ctx-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir.appendingPathComponent("sub"), withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    try "FROM scratch\n".write(to: dir.appendingPathComponent("sub/Dockerfile.dev"), atomically: true, encoding: .utf8)
    let context = try BuildContext(directory: dir)
    let request = try BuildRequest(query: [
      "dockerfile": ["./sub/Dockerfile.dev"], "t": ["a:1", "b:2"], "buildargs": [#"{"A":"1","B":null}"#],
      "labels": [#"{"l":"v"}"#], "target": ["build"], "nocache": ["1"], "pull": ["true"], "q": ["1"], "rm": ["1"],
      "cachefrom": [#"["x:1"]"#],
    ])
    let options = try request.options(context: context)
    #expect(options.dockerfile == "sub/Dockerfile.dev" && options.dockerfileText == "FROM scratch\n")
    #expect(options.tags == ["a:1", "b:2"])
    #expect(options.buildArgs == ["A": "1"])
    #expect(options.labels == ["l": "v"])
    #expect(options.target == "build")
    #expect(options.noCache && options.pull && request.quiet)
    #expect(options.cacheFrom == ["x:1"])
    #expect(options.context == .directory(context.root.path))
    #expect(throws: EngineError.invalidArgument("Cannot locate specified Dockerfile: Dockerfile")) {
      try BuildRequest(query: [:]).options(context: context)
    }
    let defaults = try BuildRequest(query: ["nocache": ["0"], "pull": [""]])
    #expect(defaults.dockerfile == "Dockerfile" && !defaults.noCache && !defaults.pull && !defaults.quiet)
  }

  @Test func refusesWhatItCannotUse() {
    for query: [String: [String]] in [
      ["dockerfile": ["../../etc/passwd"]], ["dockerfile": ["a/../../b"]], ["dockerfile": ["/"]],
      ["buildargs": ["{not json"]], ["labels": [#"{"a":1}"#]], ["cachefrom": ["x"]], ["remote": ["https://x/y.git"]],
      ["version": ["2"]],
    ] {
      #expect(throws: EngineError.self, "\(query)") { try BuildRequest(query: query) }
    }
    #expect((try? BuildRequest(query: ["dockerfile": ["/Dockerfile"]]))?.dockerfile == "Dockerfile")
  }

  @Test func contextStaysInsideItsDirectory() async throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ckitd-ctx-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let outside = dir.appendingPathComponent("outside").path
    let tar = try TarFixture.write(
      [
        .file("Dockerfile", "FROM scratch\n"), .symlink("link", to: dir.path), .file("link/outside", "escaped"),
        .file("../outside", "escaped"),
      ], to: dir.appendingPathComponent("context.tar").path)
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: tar)))
    let body = AsyncStream<[UInt8]> { c in
      // In pieces, as a connection delivers them.
      stride(from: 0, to: bytes.count, by: 1000).forEach { c.yield(Array(bytes[$0..<min($0 + 1000, bytes.count)])) }
      c.finish()
    }
    do {
      let upload = try await BuildContextUpload.receive(body)
      #expect(FileManager.default.fileExists(atPath: upload.root + "/Dockerfile"))
      upload.discard()
      #expect(!FileManager.default.fileExists(atPath: upload.scratch))
    } catch {
      // Refusing the archive is as good as keeping it inside.
      #expect(error.description.contains("unable to prepare context"))
    }
    #expect(!FileManager.default.fileExists(atPath: outside))
  }

  /// The docker CLI's tar with `-f` outside the context stops right after its last file's data.
  @Test func tarCutAfterItsLastFileIsClosed() async throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ckitd-ctx-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let tar = try TarFixture.write(
      [.file("a.txt", "a\n"), .file(".dockerfile.x", "FROM scratch\n")], to: dir.appendingPathComponent("c.tar").path)
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: tar)))
    while bytes.last == 0 { bytes.removeLast() }
    #expect(bytes.count % 512 != 0)
    let body = AsyncStream<[UInt8]> { c in
      c.yield(bytes)
      c.finish()
    }
    let upload = try await BuildContextUpload.receive(body, in: dir.path)
    defer { upload.discard() }
    #expect(try String(contentsOfFile: upload.root + "/.dockerfile.x", encoding: .utf8) == "FROM scratch\n")
    #expect(try String(contentsOfFile: upload.root + "/a.txt", encoding: .utf8) == "a\n")
  }

  @Test func notAnArchiveIsRefusedAndLeavesNothing() async throws {
    let parent = FileManager.default.temporaryDirectory.appendingPathComponent("ckitd-ctx-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: parent) }
    let body = AsyncStream<[UInt8]> { c in
      c.yield(Array("this is not a tar archive, not even compressed one".utf8))
      c.finish()
    }
    await #expect(throws: EngineError.self) { try await BuildContextUpload.receive(body, in: parent.path) }
    #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path).isEmpty)
  }

  @Test func registryAuthHeader() throws {
    func encode(_ json: String) -> String {
      Data(json.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
        .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
    let auth = try RegistryAuth(
      header: encode(#"{"username":"me","password":"p+/?","serveraddress":"https://index.docker.io/v1/"}"#))
    #expect(auth.username == "me" && auth.password == "p+/?" && !auth.isEmpty)
    #expect(auth.registry(for: "127.0.0.1:5000/x") == "docker.io")
    let fromAuth = try RegistryAuth(header: encode(#"{"auth":"\#(Data("u:pw:x".utf8).base64EncodedString())"}"#))
    #expect(fromAuth.username == "u" && fromAuth.password == "pw:x")
    #expect(fromAuth.registry(for: "127.0.0.1:5000/x:1") == "127.0.0.1:5000")
    #expect(fromAuth.registry(for: "busybox") == "docker.io")
    #expect(try RegistryAuth(header: "e30=").isEmpty)
    #expect(try RegistryAuth(header: nil).isEmpty)
    #expect(throws: AuthDecodingError.self) { try RegistryAuth(header: "%%%not base64") }
    #expect(throws: AuthDecodingError.self) { try RegistryAuth(header: encode("[1,2]")) }
    let all = try RegistryAuth.all(
      header: encode(
        #"{"https://index.docker.io/v1/":{"username":"a","password":"b"},"127.0.0.1:5000":{"identitytoken":"t"}}"#))
    #expect(all["https://index.docker.io/v1/"]?.registry(for: "") == "docker.io")
    #expect(all["127.0.0.1:5000"]?.registry(for: "") == "127.0.0.1:5000")
    #expect(all["127.0.0.1:5000"]?.identityToken == "t")
    #expect(try RegistryAuth.all(header: nil).isEmpty)
    #expect(throws: AuthDecodingError.self) { try RegistryAuth.all(header: encode(#"{"x":1}"#)) }
  }
}
