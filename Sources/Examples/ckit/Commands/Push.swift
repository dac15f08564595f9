import ArgumentParser
import Builder
import ContainerEngine
import Foundation
import OCI
import RegistryClient

struct Push: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "push", abstract: "Upload an image to a registry")
  @OptionGroup var global: GlobalOptions
  @Flag(name: .shortAndLong, help: "Suppress verbose output") var quiet = false
  @Argument(help: "NAME[:TAG]") var reference: String

  func run() async throws {
    let engine = LibraryEngine(root: global.state)
    if quiet {
      _ = try await engine.push(reference, progress: nil)
      print(ImageReferenceText.normalized(reference))
      return
    }
    let image = try await engine.resolved(reference)
    let ref: ImageReference
    do { ref = try ImageReference(parsing: reference) } catch {
      throw CkitError.invalidArgument("invalid reference format")
    }
    ProgressPrinter.write("The push refers to repository [\(ref.domain)/\(ref.path)]\n")
    // docker lists the top layer first.
    var renderer = ProgressRenderer(mode: ProgressRenderer.mode(for: 1), operation: .push)
    ProgressPrinter.write(renderer.announce(image.manifest.layers.reversed()))
    let pushed = try await ProgressPrinter.run(renderer) { try await engine.push(reference, progress: $0) }
    ProgressPrinter.write("\(ref.tag ?? ImageReference.defaultTag): digest: \(pushed.digest) size: \(pushed.size)\n")
  }
}
