import Builder
import ContainerKit
import Foundation
import ImageStore
import LinuxSystem
import OCI

extension LibraryEngine {
  /// Builds with the library's ImageBuilder over the engine's image store; RUN steps run on ContainerKit directly
  /// (no monitor: a build step's container lives only as long as the build). `events` gets the builder's progress;
  /// `pull` fetches a base image the store lacks. Returns the image ID.
  package func build(
    _ options: ImageBuildOptions, events: @escaping @Sendable (BuildEvent) -> Void,
    pull: @escaping @Sendable (String) async throws -> Void
  ) async throws -> String {
    for t in options.tags { try ImageReferenceText.validate(t) }
    let store = try await store()
    let builderRoot = URL(fileURLWithPath: builderRoot)
    let scratch = builderRoot.appendingPathComponent("contexts")
    // A tar context is read to its end from a pipe, perhaps: on a thread of its own.
    let made = await BlockingCall.run {
      Result { () throws(BuildError) -> BuildContext in
        switch options.context {
        case .tarStream(let fd): try BuildContext(tarStream: fd, scratch: scratch)
        case .directory(let dir): try BuildContext(directory: URL(fileURLWithPath: dir))
        }
      }
    }
    let context: BuildContext
    do { context = try made.get() } catch {
      throw EngineError.invalidArgument("unable to prepare context: \(error.description)")
    }
    defer { context.discard() }
    let text: String
    if let given = options.dockerfileText {
      text = given
    } else if case .tarStream = options.context {
      text = try Self.dockerfileText(options.dockerfile, received: context)
    } else {
      text = try Self.dockerfileText(options.dockerfile, context: context.root)
    }
    let storage = StoreBuildStorage(store: store, pull: pull)
    let runtime = ContainerRuntime.detectingCgroups(
      root: root.path + "/build-run", cgroupParent: configuration.cgroupParent)
    let result: BuildResult
    do {
      let builder = try ImageBuilder(
        storage: storage, executor: RuntimeBuildExecutor(runtime: runtime), root: builderRoot)
      result = try await builder.build(
        dockerfile: text, context: context,
        options: BuildOptions(
          tags: options.tags, buildArgs: options.buildArgs, target: options.target, noCache: options.noCache,
          pull: options.pull, labels: options.labels, cacheFrom: options.cacheFrom),
        progress: { events(BuildEvent($0)) })
    } catch let e as EngineError {
      throw e
    } catch {
      // The builder's message names the step; Docker prints it alone.
      throw EngineError.underlying(context: "", cause: error)
    }
    for t in options.tags {
      EventJournal(root: root).image("tag", id: "\(result.imageID)", name: Self.familiarTagged(t))
    }
    if options.tags.isEmpty {
      // An untagged build is kept under its ID (as an untagged import), a dangling image as Docker's: found by
      // its ID or a prefix of it (`docker run <id>`), listed as `<none>`, removed by `rmi` or `image prune`.
      do { try await store.setImage(name: "\(result.imageID)", descriptor: result.manifest) } catch {
        throw EngineError.underlying(context: "build", cause: error)
      }
    }
    return "\(result.imageID)"
  }

  /// `-f`: a path from the working directory (docker's rule), else relative to the context; default
  /// `CONTEXT/Dockerfile`.
  package static func dockerfileText(_ file: String?, context: URL) throws -> String {
    var candidates = [String]()
    if let file {
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

  /// The Dockerfile of a context received as a stream (`build - < context.tar`): a file of the archive (`-f`
  /// relative to it; default `Dockerfile`, else `dockerfile`), read inside it by `BuildContext.dockerfile`, as
  /// dockerd does: a stream is untrusted, so its `Dockerfile -> /etc/shadow` is never read from the host.
  static func dockerfileText(_ file: String?, received context: BuildContext) throws -> String {
    for name in file.map({ [$0] }) ?? ["Dockerfile", "dockerfile"] {
      let text: String?
      do { text = try context.dockerfile(name) } catch {
        throw EngineError.underlying(context: "unable to prepare context", cause: error)
      }
      if let text { return text }
    }
    throw EngineError.invalidArgument("Cannot locate specified Dockerfile: \(file ?? "Dockerfile")")
  }

  /// `reference` as Docker names it in a tag event: short, with its tag (`busybox:latest`).
  static func familiarTagged(_ reference: String) -> String {
    (try? parse(reference)).map { familiar($0.name) + ":" + ($0.tag ?? ImageReference.defaultTag) } ?? reference
  }

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

extension BuildEvent {
  /// The builder's event, with the classic builder's text.
  init(_ event: ProgressEvent) {
    let kind: Kind =
      switch event {
      case .step(let i, let n, let text): .step(index: i, total: n, instruction: text)
      case .usingCache: .usingCache
      case .running(let id): .running(containerID: id)
      case .output(let bytes): .output(bytes)
      case .stepResult(let d): .stepResult(id: "\(d)")
      case .skippedStage(let s): .skippedStage(s)
      case .built(let d): .built(imageID: "\(d)")
      case .tagged(let t): .tagged(t)
      }
    self.init(kind, text: event.classicText)
  }
}
