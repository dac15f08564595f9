import Builder
import ContainerEngine
import Foundation

/// `POST /build`'s query, checked and turned into the engine's `ImageBuildOptions` (Docker's `ImageBuildOptions`
/// for the classic builder): `dockerfile`, `t` (repeated), `buildargs` and `labels` (JSON objects), `target`,
/// `nocache`, `pull`, `q`, `rm`/`forcerm` (build containers are always removed here), `cachefrom` (a JSON array).
/// `remote` (a URL to fetch the context from) and `version=2` (BuildKit) are refused: the context is the body.
struct BuildRequest: Equatable, Sendable {
  /// The Dockerfile's path inside the context, without `..`: the query names a file of the (untrusted) context,
  /// never one of the host.
  var dockerfile = "Dockerfile"
  /// `-t`: the names to tag the image with.
  var tags: [String] = []
  /// `--build-arg`s; a `null` value (an ARG named but unset) is left out.
  var buildArgs: [String: String] = [:]
  /// `--label`s.
  var labels: [String: String] = [:]
  /// `--target`: the stage to build.
  var target: String?
  /// `--no-cache`.
  var noCache = false
  /// `--pull`.
  var pull = false
  /// `-q`: only the image ID is streamed.
  var quiet = false
  /// `--cache-from`.
  var cacheFrom: [String] = []

  /// Reads the query (each name with its values in order). Throws `invalidArgument` with dockerd's words for a
  /// value it cannot use.
  init(query: [String: [String]]) throws(EngineError) {
    func last(_ name: String) -> String? { query[name]?.last }
    func flag(_ name: String) -> Bool {
      guard let v = last(name)?.lowercased() else { return false }
      return !["", "0", "false"].contains(v)
    }
    if let remote = last("remote"), !remote.isEmpty {
      throw .unsupported("remote build contexts are not supported by ckitd: send the context as the body")
    }
    if let version = last("version"), version == "2" {
      throw .unsupported("BuildKit (version=2) is not supported by ckitd: use the classic builder (DOCKER_BUILDKIT=0)")
    }
    if let file = last("dockerfile"), !file.isEmpty { dockerfile = try Self.contextPath(file) }
    tags = (query["t"] ?? []).filter { !$0.isEmpty }
    buildArgs = try Self.object(last("buildargs"), name: "build args")
    labels = try Self.object(last("labels"), name: "labels")
    target = last("target").flatMap { $0.isEmpty ? nil : $0 }
    noCache = flag("nocache")
    pull = flag("pull")
    quiet = flag("q")
    if let text = last("cachefrom"), !text.isEmpty {
      guard let data = text.data(using: .utf8), let list = try? JSONDecoder().decode([String].self, from: data) else {
        throw .invalidArgument("invalid cache-from specification: \(text)")
      }
      cacheFrom = list
    }
  }

  /// The engine's options for a build of the received `context`, with its Dockerfile's text: read inside the
  /// context (`BuildContext.dockerfile`), as dockerd reads it, so an uploaded `Dockerfile -> /etc/shadow` is never
  /// read from the host (a path handed to the engine would be). Missing: dockerd's classic builder's words.
  func options(context: BuildContext) throws(EngineError) -> ImageBuildOptions {
    let text: String?
    do { text = try context.dockerfile(dockerfile) } catch {
      throw .underlying(context: "unable to prepare context", cause: error)
    }
    guard let text else { throw .invalidArgument("Cannot locate specified Dockerfile: \(dockerfile)") }
    return ImageBuildOptions(
      context: .directory(context.root.path), dockerfile: dockerfile, dockerfileText: text, tags: tags,
      buildArgs: buildArgs, labels: labels, target: target, noCache: noCache, pull: pull, cacheFrom: cacheFrom)
  }

  /// `path` as a path inside the context: leading `./` and `/` dropped (the CLI sends it relative to the context
  /// root), `.` parts removed; `..` refused.
  static func contextPath(_ path: String) throws(EngineError) -> String {
    var parts = [Substring]()
    for part in path.split(separator: "/") where part != "." {
      guard part != ".." else {
        throw .invalidArgument("the Dockerfile (\(path)) must be within the build context")
      }
      parts.append(part)
    }
    guard !parts.isEmpty else { throw .invalidArgument("the Dockerfile (\(path)) must be within the build context") }
    return parts.joined(separator: "/")
  }

  /// A JSON object of strings (`{"A":"1","B":null}`), nulls left out; empty for no value.
  static func object(_ text: String?, name: String) throws(EngineError) -> [String: String] {
    guard let text, !text.isEmpty else { return [:] }
    guard let data = text.data(using: .utf8),
      let object = try? JSONDecoder().decode([String: String?].self, from: data)
    else { throw .invalidArgument("failed to parse \(name): \(text)") }
    return object.compactMapValues { $0 }
  }
}
