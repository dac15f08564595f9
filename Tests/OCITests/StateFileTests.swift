import Foundation
import OCI
import Testing

@Suite struct StateFileTests {
  /// Both kinds replace the file whole and leave no temp file behind; a missing directory is an error that
  /// names the call and the path.
  @Test(arguments: [true, false])
  func replacesWholeAndNamesFailures(_ durable: Bool) throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("statefile-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/state.json"
    try StateFile.replace(
      path, with: Data("{\"a\":1,\"long\":\"\(String(repeating: "x", count: 5000))\"}".utf8), durable: durable)
    try StateFile.replace(path, with: Data("{\"a\":2}".utf8), durable: durable)
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "{\"a\":2}")
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["state.json"])

    let missing = dir + "/nope/state.json"
    #expect(throws: StateFileError.self) { try StateFile.replace(missing, with: Data(), durable: durable) }
    do { try StateFile.replace(missing, with: Data(), durable: durable) } catch {
      #expect(error.call == "open" && error.path.hasPrefix(missing + ".tmp-"))
      #expect(error.description.contains("No such file or directory"))
    }
  }

  /// #13: state holds secrets (a container's environment, registry credentials). A new file is 0600 from its
  /// creation whatever it replaces (it was 0644: any local user could read a container's record); a file meant
  /// for others says so.
  @Test func newFilesArePrivateUnlessAskedOtherwise() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("statefile-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    func mode(_ path: String) -> mode_t {
      var st = stat()
      return stat(path, &st) == 0 ? st.st_mode & 0o7777 : 0
    }
    let path = dir + "/container.json"
    FileManager.default.createFile(atPath: path, contents: Data("old".utf8), attributes: [.posixPermissions: 0o644])
    try StateFile.replace(path, with: Data("{\"Env\":[\"DB_PASSWORD=x\"]}".utf8), durable: true)
    #expect(mode(path) == 0o600)
    try StateFile.replace(dir + "/hosts", with: Data("127.0.0.1 localhost\n".utf8), durable: false, mode: 0o644)
    #expect(mode(dir + "/hosts") == 0o644)
  }

  /// A state root is made 0700, and one an older version made 0755 is tightened; `/tmp` given as a root by
  /// mistake (sticky, shared) is left as it is.
  @Test func privateDirectoriesAreMadeAndTightened() throws {
    let base = FileManager.default.temporaryDirectory.appendingPathComponent("privdir-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: base) }
    func mode(_ path: String) -> mode_t {
      var st = stat()
      return stat(path, &st) == 0 ? st.st_mode & 0o7777 : 0
    }
    try PrivateDirectory.prepare(base + "/a/root")
    #expect(mode(base + "/a/root") == 0o700)
    #expect(mode(base + "/a") == 0o755)
    mkdir(base + "/old", 0o755)
    chmod(base + "/old", 0o755)
    try PrivateDirectory.prepare(base + "/old")
    #expect(mode(base + "/old") == 0o700)
    mkdir(base + "/shared", 0o777)
    chmod(base + "/shared", 0o1777)
    try PrivateDirectory.prepare(base + "/shared")
    #expect(mode(base + "/shared") == 0o1777)
  }
}
