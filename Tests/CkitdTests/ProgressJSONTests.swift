import Builder
import ContainerEngine
import Testing

@testable import ckitd

/// Docker's JSON messages for pull, push and build streams.
@Suite struct ProgressJSONTests {
  @Test func layerDownloadHasDetailAndBar() {
    let p = ImageProgress(
      phase: .downloading, id: "aaaaaaaaaaaa", status: "Downloading", current: 500_000, total: 1_000_000,
      layer: "sha256:aa")
    let json = DockerProgressJSON.progress(p)
    #expect(json["status"] == "Downloading")
    #expect(json["id"] == "aaaaaaaaaaaa")
    #expect(json["progressDetail"] == ["current": 500_000, "total": 1_000_000])
    let bar = "[" + String(repeating: "=", count: 25) + ">" + String(repeating: " ", count: 25) + "]    500kB/1MB"
    #expect(json["progress"] == .string(bar))
    #expect(DockerProgressJSON.bar(current: 2, total: 2).hasPrefix("[" + String(repeating: "=", count: 50) + ">] "))
  }

  @Test func headerAndClosingLines() {
    let header = DockerProgressJSON.progress(ImageProgress(phase: .resolving, id: "latest", status: "Pulling from x"))
    #expect(header.serialized() == #"{"status":"Pulling from x","id":"latest"}"#)
    let done = DockerProgressJSON.progress(
      ImageProgress(phase: .pullComplete, id: "aaaaaaaaaaaa", status: "Pull complete", layer: "sha256:aa"))
    #expect(done["progressDetail"] == .object([]))
    #expect(done["progress"] == nil)
    #expect(
      DockerProgressJSON.error("boom").serialized() == #"{"errorDetail":{"message":"boom"},"error":"boom"}"#)
  }

  @Test func humanSizeIsGoUnits() {
    #expect(DockerProgressJSON.humanSize(0) == "0B")
    #expect(DockerProgressJSON.humanSize(512) == "512B")
    #expect(DockerProgressJSON.humanSize(1_234_567) == "1.23MB")
    #expect(DockerProgressJSON.humanSize(2_000_000_000) == "2GB")
  }

  @Test func buildEventsAsClassicBuilderLines() {
    let step = BuildEvent(.step(index: 1, total: 2, instruction: "FROM busybox"), text: "Step 1/2 : FROM busybox\n")
    #expect(DockerProgressJSON.build(step, quiet: false) == [["stream": "Step 1/2 : FROM busybox\n"]])
    #expect(DockerProgressJSON.build(step, quiet: true).isEmpty)
    let built = BuildEvent(.built(imageID: "sha256:abc"), text: "Successfully built abc\n")
    #expect(
      DockerProgressJSON.build(built, quiet: false) == [
        ["aux": ["ID": "sha256:abc"]], ["stream": "Successfully built abc\n"],
      ])
    #expect(DockerProgressJSON.build(built, quiet: true) == [["stream": "sha256:abc\n"]])
    #expect(DockerProgressJSON.build(BuildEvent(.pulled(reference: "x"), text: ""), quiet: false).isEmpty)
    let output = BuildEvent(.output(Array("hi\n".utf8)), text: "hi\n")
    #expect(DockerProgressJSON.build(output, quiet: false) == [["stream": "hi\n"]])
  }
}

/// A failed RUN as dockerd reports it: its words and its code, which `docker build` exits with.
@Suite struct BuildFailureJSONTests {
  @Test func runFailureHasDockersWordsAndCode() {
    let failure = EngineError.underlying(
      context: "", cause: BuildError.runFailed(command: "exit 3", exitCode: 3, output: ""))
    #expect(
      DockerProgressJSON.error(failure).serialized()
        == #"{"errorDetail":{"code":3,"message":"The command '/bin/sh -c exit 3' returned a non-zero code: 3"},"#
        + #""error":"The command '/bin/sh -c exit 3' returned a non-zero code: 3"}"#)
    #expect(DockerProgressJSON.shellText(#"["sh" "-c" "exit 4"]"#) == "sh -c exit 4")
    #expect(DockerProgressJSON.shellText(#"["sh","-c","exit 4"]"#) == "sh -c exit 4")
    #expect(DockerProgressJSON.error(EngineError.noSuchImage("x"))["error"] == "No such image: x")
  }
}
