import OCI
import Testing

@Suite struct DigestTests {
  @Test func parsesAndPrintsSHA256() throws {
    let hex = String(repeating: "ab", count: 32)
    let d = try Digest(parsing: "sha256:\(hex)")
    #expect(d.algorithm == .sha256)
    #expect(d.description == "sha256:\(hex)")
    #expect(d.shortID == "abababababab")
  }

  @Test func computesKnownSHA256() {
    // sha256("") is a well-known constant.
    #expect(
      Digest.sha256(of: [UInt8]()).description
        == "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
  }

  @Test(arguments: [
    "sha256", "sha256:", "md5:d41d8cd98f00b204e9800998ecf8427e", "sha256:../../etc/passwd",
    "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
  ])
  func rejectsMalformed(_ s: String) {
    #expect(throws: OCIError.self) { try Digest(parsing: s) }
  }

  @Test func incrementalHasherMatchesOneShot() {
    var h = DigestHasher()
    h.update(Array("hello ".utf8))
    h.update(Array("world".utf8))
    #expect(h.finalize() == Digest.sha256(of: Array("hello world".utf8)))
  }
}
