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
}
