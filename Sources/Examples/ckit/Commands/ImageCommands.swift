import ArgumentParser
import Builder
import ContainerEngine
import Foundation
import OCI
import RegistryClient

struct Pull: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "pull", abstract: "Download an image from a registry")
  @OptionGroup var global: GlobalOptions
  @Flag(name: .shortAndLong, help: "Suppress verbose output") var quiet = false
  @Flag(name: .shortAndLong, help: "Download all tagged images in the repository") var allTags = false
  @Option(help: "Set platform if server is multi-platform capable") var platform: String?
  @Argument(help: "NAME[:TAG|@DIGEST]") var reference: String

  func run() async throws {
    let engine = LibraryEngine(root: global.state)
    if allTags {
      for tagged in try await Self.allTags(of: reference) {
        if quiet {
          _ = try await engine.pull(tagged, platform: platform, progress: nil)
          print(tagged)
        } else {
          try await Self.pullShowingProgress(tagged, platform: platform, engine: engine)
        }
      }
      return
    }
    if quiet {
      _ = try await engine.pull(reference, platform: platform, progress: nil)
      print(ImageReferenceText.normalized(reference))
      return
    }
    try await Self.pullShowingProgress(reference, platform: platform, engine: engine)
  }

  /// `pull -a`: `NAME:TAG` for every tag of repository `reference` (which must name no tag), from the registry.
  static func allTags(of reference: String) async throws -> [String] {
    try ImageReferenceText.validate(reference)
    let ref: ImageReference
    do { ref = try ImageReference(parsing: reference, defaultTag: false) } catch {
      throw CkitError.invalidArgument("invalid reference format: \(error.description)")
    }
    guard ref.tag == nil, ref.digest == nil else {
      throw CkitError.invalidArgument("tag can't be used with --all-tags/-a")
    }
    let tags: [String]
    do { tags = try await RegistryClient.withClient { client in try await client.tags(ref) } } catch {
      throw CkitError.backend(LibraryEngine.pullError(error, reference: reference))
    }
    return tags.sorted().map { "\(reference):\($0)" }
  }

  /// docker's pull output: the header, a line per layer (bars on a terminal), the digest and the status.
  static func pullShowingProgress(_ reference: String, platform: String? = nil, engine: LibraryEngine) async throws {
    try ImageReferenceText.validate(reference)
    if let ref = try? ImageReference(parsing: reference) {
      ProgressPrinter.write("\(ref.tag ?? ImageReference.defaultTag): Pulling from \(ref.path)\n")
    }
    let outcome = try await ProgressPrinter.run(ProgressRenderer(mode: ProgressRenderer.mode(for: 1), operation: .pull))
    {
      try await engine.pull(reference, platform: platform, progress: $0)
    }
    ProgressPrinter.write("Digest: \(outcome.digest)\n")
    ProgressPrinter.write(
      outcome.upToDate
        ? "Status: Image is up to date for \(outcome.name)\n" : "Status: Downloaded newer image for \(outcome.name)\n")
    ProgressPrinter.write(ImageReferenceText.normalized(reference) + "\n")
  }
}

struct Images: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "images", abstract: "List images")
  @OptionGroup var global: GlobalOptions
  @Flag(name: .shortAndLong, help: "Show all images (default hides intermediate images)") var all = false
  @Flag(name: .shortAndLong, help: "Only show image IDs") var quiet = false
  @Flag(help: "Show digests") var digests = false
  @Flag(name: .customLong("no-trunc"), help: "Don't truncate output") var noTrunc = false
  @Option(name: .shortAndLong, help: "Filter output based on conditions provided") var filter: [String] = []
  @OptionGroup var format: FormatOption
  @Argument(help: "[REPOSITORY[:TAG]]") var repository: String?

  static let titles = [
    "Repository": "REPOSITORY", "Tag": "TAG", "ID": "IMAGE ID", "CreatedSince": "CREATED", "Size": "SIZE",
    "Digest": "DIGEST", "CreatedAt": "CREATED AT",
  ]

  func run() async throws {
    let images = try await Engines.current(global.state).images()
    let rows = ImageRows.rows(images, repository: repository, noTrunc: noTrunc)
    if quiet {
      var seen = Set<String>()
      for r in rows where seen.insert(r["ID"]?.description ?? "").inserted { print(r["ID"]?.description ?? "") }
      return
    }
    if let t = try format.template() {
      print(try t.render(rows, titles: Self.titles), terminator: "")
      return
    }
    let columns =
      digests
      ? ["Repository", "Tag", "Digest", "ID", "CreatedSince", "Size"]
      : ["Repository", "Tag", "ID", "CreatedSince", "Size"]
    var table = Table(columns.map { Self.titles[$0] ?? $0 })
    for r in rows { table.append(columns.map { r[$0]?.description ?? "" }) }
    print(table.render(), terminator: "")
  }
}

/// `images` rows: one per tag (untagged images as `<none>`), newest first, docker's field names.
enum ImageRows {
  static func rows(_ images: [ImageSummary], repository: String?, noTrunc: Bool, now: Date = Date()) -> [TemplateValue]
  {
    var out = [(Date, TemplateValue)]()
    for i in images {
      let tags = i.repoTags.isEmpty ? ["<none>:<none>"] : i.repoTags
      for t in tags {
        let colon = t.lastIndex(of: ":") ?? t.endIndex
        let repo = String(t[..<colon])
        let tag = colon < t.endIndex ? String(t[t.index(after: colon)...]) : "<none>"
        if let repository {
          let (wantRepo, wantTag) = splitRef(repository)
          if repo != wantRepo || (wantTag != nil && wantTag != tag) { continue }
        }
        let digest =
          i.repoDigests.first { $0.hasPrefix(repo + "@") }.map { String($0.split(separator: "@").last ?? "") }
          ?? "<none>"
        let hex = i.id.hasPrefix("sha256:") ? String(i.id.dropFirst(7)) : i.id
        out.append(
          (
            i.created,
            .object([
              ("Containers", .string("N/A")), ("CreatedAt", .string(Ps.createdAt(i.created))),
              ("CreatedSince", .string(HumanFormat.ago(i.created, now: now))), ("Digest", .string(digest)),
              ("ID", .string(noTrunc ? i.id : String(hex.prefix(12)))), ("Repository", .string(repo)),
              ("Size", .string(HumanFormat.size(i.size))), ("Tag", .string(tag)),
            ])
          ))
      }
    }
    return out.sorted { $0.0 > $1.0 }.map(\.1)
  }

  static func splitRef(_ s: String) -> (String, String?) {
    let slash = s.lastIndex(of: "/") ?? s.startIndex
    if let colon = s[slash...].lastIndex(of: ":") { return (String(s[..<colon]), String(s[s.index(after: colon)...])) }
    return (s, nil)
  }
}

struct Rmi: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "rmi", abstract: "Remove one or more images")
  @OptionGroup var global: GlobalOptions
  @Flag(name: .shortAndLong, help: "Force removal of the image") var force = false
  @Argument(help: "IMAGE...") var images: [String]

  func run() async throws {
    let engine = Engines.current(global.state)
    let records = try global.containers.all()
    var errors = [String]()
    for ref in images {
      do {
        let image = try await engine.image(ref)
        if !force, let user = records.first(where: { $0.imageID == image.id }) {
          throw CkitError.imageInUse(reference: ref, container: user.shortID)
        }
        for line in try await engine.removeImage(ref, force: force) { print(line) }
      } catch { errors.append("\(error)") }
    }
    if !errors.isEmpty { throw CkitError.invalidArgument(errors.joined(separator: "\n")) }
  }
}

struct Tag: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "tag", abstract: "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE")
  @OptionGroup var global: GlobalOptions
  @Argument(help: "SOURCE_IMAGE[:TAG]") var source: String
  @Argument(help: "TARGET_IMAGE[:TAG]") var target: String

  func run() async throws { try await Engines.current(global.state).tag(source, target) }
}

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

struct Commit: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "commit", abstract: "Create a new image from a container's changes")
  @OptionGroup var global: GlobalOptions
  @Option(name: .shortAndLong, help: "Author") var author: String?
  @Option(name: .shortAndLong, help: "Apply Dockerfile instruction to the created image") var change: [String] = []
  @Option(name: .shortAndLong, help: "Commit message") var message: String?
  @Flag(name: .shortAndLong, inversion: .prefixedNo, help: "Pause container during commit") var pause = true
  @Argument(help: "CONTAINER") var container: String
  @Argument(help: "[REPOSITORY[:TAG]]") var reference: String?

  func run() async throws {
    let record = try global.containers.find(container)
    for c in change {
      let instr = c.split(separator: " ", maxSplits: 1).first.map { $0.uppercased() } ?? ""
      guard
        ["CMD", "ENTRYPOINT", "ENV", "EXPOSE", "LABEL", "ONBUILD", "USER", "VOLUME", "WORKDIR", "STOPSIGNAL"].contains(
          instr)
      else { throw CkitError.invalidArgument("\(instr) is not a valid change command") }
    }
    let id = try await Engines.current(global.state).commit(
      record, reference: reference, message: message, author: author, changes: change)
    print(id)
  }
}

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
    for t in tag { try ImageReferenceText.validate(t) }
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
    let options = BuildOptions(
      tags: tag, buildArgs: args, target: target, noCache: noCache, pull: pull, labels: labels,
      cacheFrom: cacheFrom)
    let engine = LibraryEngine(root: global.state)
    let id = try await engine.build(
      BuildRequest(
        context: context, dockerfile: file, options: options,
        progress: { event in
          guard !quiet else { return }
          // A RUN's output goes out byte for byte (a UTF-8 sequence may straddle two reads).
          if case .output(let bytes) = event {
            FileHandle.standardOutput.write(Data(bytes))
          } else {
            ProgressPrinter.write(event.classicText)
          }
        },
        pull: { reference in
          if quiet {
            _ = try await engine.pull(reference, progress: nil)
          } else {
            try await Pull.pullShowingProgress(reference, engine: engine)
          }
        }))
    if quiet { print(id) }
  }
}

struct Save: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "save", abstract: "Save one or more images to a tar archive")
  @OptionGroup var global: GlobalOptions
  @Option(name: .shortAndLong, help: "Write to a file, instead of STDOUT") var output: String?
  @Argument(help: "IMAGE...") var images: [String]

  func run() async throws {
    if output == nil, isatty(1) == 1 {
      throw CkitError.invalidArgument("cowardly refusing to save to a terminal. Use the -o flag or redirect")
    }
    try await LibraryEngine(root: global.state).save(images, output: output)
  }
}

struct Load: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "load", abstract: "Load an image from a tar archive or STDIN")
  @OptionGroup var global: GlobalOptions
  @Option(name: .shortAndLong, help: "Read from tar archive file, instead of STDIN") var input: String?
  @Flag(name: .shortAndLong, help: "Suppress the load output") var quiet = false

  func run() async throws {
    let lines = try await LibraryEngine(root: global.state).load(input: input)
    if !quiet { for l in lines { print(l) } }
  }
}

struct Import: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "import",
    abstract: "Import the contents from a tarball to create a filesystem image")
  @OptionGroup var global: GlobalOptions
  @Option(name: .shortAndLong, help: "Apply Dockerfile instruction to the created image") var change: [String] = []
  @Option(name: .shortAndLong, help: "Set commit message for imported image") var message: String?
  @Argument(help: "file|URL|-") var source: String
  @Argument(help: "[REPOSITORY[:TAG]]") var reference: String?

  func run() async throws {
    let id = try await LibraryEngine(root: global.state).importTarball(
      source, reference: reference, message: message, changes: change)
    print(id)
  }
}

struct Export: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export", abstract: "Export a container's filesystem as a tar archive")
  @OptionGroup var global: GlobalOptions
  @Option(name: .shortAndLong, help: "Write to a file, instead of STDOUT") var output: String?
  @Argument(help: "CONTAINER") var container: String

  func run() async throws {
    if output == nil, isatty(1) == 1 {
      throw CkitError.invalidArgument("cowardly refusing to save to a terminal. Use the -o flag or redirect")
    }
    let record = try global.containers.find(container)
    try await LibraryEngine(root: global.state).export(record, output: output)
  }
}

struct Diff: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "diff",
    abstract: "Inspect changes to files or directories on a container's filesystem")
  @OptionGroup var global: GlobalOptions
  @Argument(help: "CONTAINER") var container: String

  func run() async throws {
    let record = try global.containers.find(container)
    for line in try await LibraryEngine(root: global.state).diff(record) { print(line) }
  }
}

struct Exec: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "exec",
    abstract: "Execute a command in a running container", usage: "ckit exec [OPTIONS] CONTAINER COMMAND [ARG...]")
  @OptionGroup var global: GlobalOptions
  @Flag(name: .shortAndLong, help: "Detached mode: run command in the background") var detach = false
  @Flag(name: .shortAndLong, help: "Keep STDIN open even if not attached") var interactive = false
  @Flag(name: .shortAndLong, help: "Allocate a pseudo-TTY") var tty = false
  @Option(name: .shortAndLong, help: "Set environment variables") var env: [String] = []
  @Option(name: .shortAndLong, help: "Username or UID") var user: String?
  @Option(name: .shortAndLong, help: "Working directory inside the container") var workdir: String?
  @Flag(help: "Give extended privileges to the command") var privileged = false
  @Argument(parsing: .postTerminator, help: "CONTAINER COMMAND [ARG...]") var containerAndCommand: [String] = []

  func validate() throws {
    guard containerAndCommand.count >= 2 else { throw ValidationError("\"ckit exec\" requires at least 2 arguments.") }
  }

  func run() async throws {
    let store = global.containers
    let record = try store.find(containerAndCommand[0])
    let status = store.status(record)
    guard status.isRunning else { throw CkitError.containerNotRunning(record.id) }
    if status.phase == .paused { throw CkitError.containerPaused(record.id) }
    let code = try await Engines.current(global.state).exec(
      record, argv: Array(containerAndCommand.dropFirst()),
      options: ExecOptions(env: env, user: user, workdir: workdir, tty: tty && isatty(0) == 1, detach: detach))
    if code != 0 { throw ContainerExit(code: code) }
  }
}

struct Search: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "search", abstract: "Search registries for images")
  @OptionGroup var global: GlobalOptions
  @Option(help: "Max number of search results") var limit: Int = 25
  @Flag(name: .customLong("no-trunc"), help: "Don't truncate output") var noTrunc = false
  @OptionGroup var format: FormatOption
  @Argument(help: "TERM") var term: String

  func run() async throws {
    // docker's rule: `HOST/term` searches HOST (a name with a dot or port, or localhost), else Docker Hub.
    var registry = ImageReference.dockerHubDomain
    var needle = term
    if let slash = term.firstIndex(of: "/") {
      let host = String(term[..<slash])
      if host.contains(".") || host.contains(":") || host == "localhost" {
        registry = host
        needle = String(term[term.index(after: slash)...])
      }
    }
    let results: [SearchResult]
    do {
      results = try await RegistryClient.withClient { client in
        try await client.search(needle, registry: registry, limit: limit)
      }
    } catch {
      throw CkitError.backend("Error response from daemon: \(registry): \(error)")
    }
    let rows: [TemplateValue] = results.map { r in
      let desc = noTrunc || r.description.count <= 45 ? r.description : String(r.description.prefix(44)) + "…"
      return .object([
        ("Name", .string(r.name)), ("Description", .string(desc)), ("StarCount", .string("\(r.starCount)")),
        ("IsOfficial", .string(r.isOfficial ? "[OK]" : "")), ("IsAutomated", .string(r.isAutomated ? "[OK]" : "")),
      ])
    }
    let titles = [
      "Name": "NAME", "Description": "DESCRIPTION", "StarCount": "STARS", "IsOfficial": "OFFICIAL",
      "IsAutomated": "AUTOMATED",
    ]
    if let t = try format.template() {
      print(try t.render(rows, titles: titles), terminator: "")
      return
    }
    let columns = ["Name", "Description", "StarCount", "IsOfficial"]
    var table = Table(columns.map { titles[$0] ?? $0 })
    for r in rows { table.append(columns.map { r[$0]?.description ?? "" }) }
    print(table.render(), terminator: "")
  }
}
