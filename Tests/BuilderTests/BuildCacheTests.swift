import DockerfileParser
import Foundation
import OCI
import TestSupport
import Testing

@testable import Builder

@Suite("Step cache keys and the persistent index")
struct BuildCacheTests {
  let parent = Digest.sha256(of: Array("parent".utf8))
  let platform = Platform(architecture: "amd64")

  @Test func keyDependsOnEveryPart() {
    let k = CacheKey(
      parent: parent, instruction: "RUN make", args: [KeyValue(key: "V", value: "1")], platform: platform)
    #expect(
      k == CacheKey(parent: parent, instruction: "RUN make", args: [KeyValue(key: "V", value: "1")], platform: platform)
    )
    #expect(
      k
        != CacheKey(
          parent: parent, instruction: "RUN make ", args: [KeyValue(key: "V", value: "1")], platform: platform))
    #expect(
      k != CacheKey(parent: parent, instruction: "RUN make", args: [KeyValue(key: "V", value: "2")], platform: platform)
    )
    #expect(k != CacheKey(parent: parent, instruction: "RUN make", args: [], platform: platform))
    #expect(
      k
        != CacheKey(
          parent: Digest.sha256(of: Array("other".utf8)), instruction: "RUN make",
          args: [KeyValue(key: "V", value: "1")],
          platform: platform))
    #expect(
      k
        != CacheKey(
          parent: parent, instruction: "RUN make", args: [KeyValue(key: "V", value: "1")],
          platform: Platform(architecture: "arm64")
        ))
    let withSrc = CacheKey(
      parent: parent, instruction: "COPY a /", sources: Digest.sha256(of: [1]), platform: platform)
    #expect(
      withSrc != CacheKey(parent: parent, instruction: "COPY a /", sources: Digest.sha256(of: [2]), platform: platform))
    // Field boundaries are unambiguous.
    #expect(
      CacheKey(parent: parent, instruction: "a", args: [KeyValue(key: "bc", value: "")], platform: platform)
        != CacheKey(parent: parent, instruction: "ab", args: [KeyValue(key: "c", value: "")], platform: platform))
  }

  @Test func entriesSurviveANewCacheInstanceAndCorruptOnesAreMisses() async throws {
    try await withScratchRoot { scratch in
      let key = CacheKey(parent: parent, instruction: "RUN true", platform: platform)
      var state = BuildState.scratch()
      state.config = try MetadataInstruction.env([KeyValue(key: "A", value: "1")]).applied(to: state.config)
      state.cacheID = key.digest
      try BuildCache(root: scratch.path).store(state, for: key)

      let reopened = try BuildCache(root: scratch.path)
      #expect(reopened.lookup(key) == state)
      #expect(reopened.lookup(CacheKey(parent: parent, instruction: "RUN false", platform: platform)) == nil)

      let file = reopened.directory.appendingPathComponent(key.digest.encoded + ".json")
      try Data("{not json".utf8).write(to: file)
      #expect(reopened.lookup(key) == nil)
      #expect(!FileManager.default.fileExists(atPath: file.path), "a corrupt entry is dropped")
    }
  }

  @Test func progressLinesMatchTheClassicBuilder() {
    let d = Digest.sha256(of: Array("x".utf8))
    #expect(ProgressEvent.step(index: 3, total: 7, text: "RUN make").classicText == "Step 3/7 : RUN make\n")
    #expect(ProgressEvent.usingCache.classicText == " ---> Using cache\n")
    #expect(ProgressEvent.stepResult(d).classicText == " ---> \(d.encoded.prefix(12))\n")
    #expect(ProgressEvent.tagged("web:1").classicText == "Successfully tagged web:1\n")
  }
}
