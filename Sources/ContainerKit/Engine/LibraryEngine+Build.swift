import Builder
import ContainerKit
import Foundation
import ImageStore

/// What `ckit build` asks of the Builder: the context (a directory or a tar on stdin), the Dockerfile's text and
/// the options, as docker's classic builder takes them.
package struct BuildRequest {
  package var context: String
  package var dockerfile: String?
  package var options: BuildOptions
  package var quiet: Bool

  package init(context: String, dockerfile: String? = nil, options: BuildOptions, quiet: Bool) {
    self.context = context
    self.dockerfile = dockerfile
    self.options = options
    self.quiet = quiet
  }
}

extension LibraryEngine {
  /// Builds with the library's ImageBuilder over ckit's own image store; RUN steps run on ContainerKit directly
  /// (no monitor: a build step's container lives only as long as the build). Returns the image ID.
  package func build(_ request: BuildRequest) async throws -> String {
    let store = try await store()
    let builderRoot = URL(fileURLWithPath: root.path + "/builder")
    let context: BuildContext
    do {
      if request.context == "-" {
        context = try BuildContext(tarStream: 0, scratch: builderRoot.appendingPathComponent("contexts"))
      } else {
        context = try BuildContext(directory: URL(fileURLWithPath: request.context))
      }
    } catch {
      throw EngineError.invalidArgument("unable to prepare context: \(error.description)")
    }
    defer { context.discard() }
    let text = try Self.dockerfileText(request.dockerfile, context: context.root)
    let engine = self
    let storage = StoreBuildStorage(store: store) { reference in
      _ = try await engine.pull(reference, quiet: true)
    }
    let runtime = ContainerRuntime.detectingCgroups(
      root: root.path + "/build-run", cgroupParent: configuration.cgroupParent)
    let quiet = request.quiet
    do {
      let builder = try ImageBuilder(
        storage: storage, executor: RuntimeBuildExecutor(runtime: runtime), root: builderRoot)
      let result = try await builder.build(dockerfile: text, context: context, options: request.options) { event in
        guard !quiet else { return }
        FileHandle.standardOutput.write(Data(event.classicText.utf8))
      }
      return "\(result.imageID)"
    } catch let e as EngineError {
      throw e
    } catch let e as BuildError {
      throw EngineError.backend(e.description)
    } catch {
      throw EngineError.backend("\(error)")
    }
  }

  /// `-f`: a path from the working directory (docker's rule), else relative to the context; default
  /// `CONTEXT/Dockerfile`.
  package static func dockerfileText(_ file: String?, context: URL) throws -> String {
    var candidates = [String]()
    if let file {
      if file == "-" {
        let data = FileHandle.standardInput.readDataToEndOfFile()
        return String(decoding: data, as: UTF8.self)
      }
      candidates = file.hasPrefix("/") ? [file] : [file, context.path + "/" + file]
    } else {
      candidates = [context.path + "/Dockerfile", context.path + "/dockerfile"]
    }
    for c in candidates {
      if let text = try? String(contentsOfFile: c, encoding: .utf8) { return text }
    }
    throw EngineError.invalidArgument(
      "unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat \(candidates[0]): no such file or directory"
    )
  }
}
