import ArgumentParser
import ContainerEngine
import Foundation

struct Build: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "build", abstract: "Build an image from a Dockerfile")
  @OptionGroup var global: GlobalOptions
  @Option(name: .shortAndLong, help: "Name and optionally a tag in the 'name:tag' format") var tag: [String] = []
  @Option(name: .shortAndLong, help: "Name of the Dockerfile (default: 'PATH/Dockerfile')") var file: String?
  @Option(name: .customLong("build-arg"), help: "Set build-time variables") var buildArg: [String] = []
  @Option(help: "Set the target build stage to build") var target: String?
  @Flag(name: .customLong("no-cache"), help: "Do not use cache when building the image") var noCache = false
  @Flag(name: .shortAndLong, help: "Suppress the build output and print image ID on success") var quiet = false
  @Option(help: "Set metadata for an image") var label: [String] = []
  @Flag(help: "Always attempt to pull a newer version of the image") var pull = false
  @Option(name: .customLong("cache-from"), help: "Images to consider as cache sources") var cacheFrom: [String] = []
  @Argument(help: "PATH | -") var context: String

  func run() async throws {
    var args = [String: String]()
    for a in buildArg {
      let parts = a.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      // docker: `--build-arg K` takes K's value from the environment.
      args[String(parts[0])] =
        parts.count == 2 ? String(parts[1]) : ProcessInfo.processInfo.environment[String(parts[0])]
    }
    var labels = [String: String]()
    for l in label {
      let parts = l.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      labels[String(parts[0])] = parts.count == 2 ? String(parts[1]) : ""
    }
    let options = ImageBuildOptions(
      context: context == "-" ? .tarStream(fileDescriptor: 0) : .directory(context), dockerfile: file,
      dockerfileText: file == "-"
        ? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) : nil,
      tags: tag, buildArgs: args, labels: labels, target: target, noCache: noCache, pull: pull, cacheFrom: cacheFrom)
    var pulling: ProgressRenderer?
    for try await event in try global.engine().build(options) {
      switch event.kind {
      case .built(let id) where quiet: print(id)
      case _ where quiet: break
      // A RUN's output goes out byte for byte (a UTF-8 sequence may straddle two reads).
      case .output(let bytes): FileHandle.standardOutput.write(Data(bytes))
      // A base image's pull, drawn as `pull` draws it.
      case .pull(let message):
        if pulling == nil { pulling = ProgressRenderer(mode: ProgressRenderer.mode(for: 1)) }
        ProgressPrinter.write(pulling?.render(message) ?? "")
      case .pulled(let reference):
        pulling = nil
        ProgressPrinter.write(Pull.normalized(reference) + "\n")
      default: ProgressPrinter.write(event.text)
      }
    }
  }
}
