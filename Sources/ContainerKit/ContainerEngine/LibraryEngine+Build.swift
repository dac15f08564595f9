import Builder
import ContainerKit
import Foundation
import ImageStore

/// What `ckit build` asks of the Builder: the context (a directory or a tar on stdin), the Dockerfile's text and
/// the options, as docker's classic builder takes them.
///
/// The engine prints nothing: `progress` gets the builder's events (the CLI prints their classic text), and
/// `pull` fetches a base image the store lacks (the CLI's shows docker's pull lines inside the FROM step).
package struct BuildRequest {
  package var context: String
  package var dockerfile: String?
  package var options: BuildOptions
  package var progress: @Sendable (ProgressEvent) -> Void
  package var pull: (@Sendable (String) async throws -> Void)?

  package init(
    context: String, dockerfile: String? = nil, options: BuildOptions,
    progress: @escaping @Sendable (ProgressEvent) -> Void = { _ in },
    pull: (@Sendable (String) async throws -> Void)? = nil
  ) {
    self.context = context
    self.dockerfile = dockerfile
    self.options = options
    self.progress = progress
    self.pull = pull
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
    let pull = request.pull
    let storage = StoreBuildStorage(store: store) { reference in
      if let pull { try await pull(reference) } else { _ = try await engine.pull(reference) }
    }
    let runtime = ContainerRuntime.detectingCgroups(
      root: root.path + "/build-run", cgroupParent: configuration.cgroupParent)
    do {
      let builder = try ImageBuilder(
        storage: storage, executor: RuntimeBuildExecutor(runtime: runtime), root: builderRoot)
      let result = try await builder.build(
        dockerfile: text, context: context, options: request.options, progress: request.progress)
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

extension LibraryEngine {
  /// Where the builder keeps its work: contexts from a tar stream, the step cache, `RUN --mount=type=cache`.
  var builderRoot: String { root.path + "/builder" }

  /// The build cache's entries: a file per cached step and a directory per cache mount.
  func buildCacheEntries() -> [String] {
    [builderRoot + "/builder/cache", builderRoot + "/builder/mounts"].flatMap { dir in
      ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { !$0.hasPrefix(".") }.map {
        dir + "/" + $0
      }
    }
  }
}
