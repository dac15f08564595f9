import ContainerEngine
import Foundation
import RegistryClient
import TestSupport
import Testing

/// The engine's image API as an embedder calls it, on the real kernel and a real registry: pull and push with their
/// progress, inspect, tag, list filters, remove, history, save/load, import/export, search, login.
@Suite(.enabled(if: isRoot, "requires root"), .serialized) struct ImageAPITests {
  /// The bytes of `stream`, joined.
  static func bytes(_ stream: EngineStream<[UInt8]>) async throws(EngineError) -> [UInt8] {
    var out = [UInt8]()
    for try await chunk in stream { out += chunk }
    return out
  }

  /// `bytes` as an input stream of chunks of `size`, as a server would pass a request body on.
  static func chunks(_ bytes: [UInt8], size: Int = 4096) -> AsyncStream<[UInt8]> {
    AsyncStream { c in
      var i = 0
      while i < bytes.count {
        c.yield(Array(bytes[i..<min(bytes.count, i + size)]))
        i += size
      }
      c.finish()
    }
  }

  /// A pull streams docker's messages: the header, each layer from waiting to pull complete, then the digest and
  /// status; a second pull finds every layer there and says the image is up to date.
  @Test func pullStreamsPerLayerProgress() async throws {
    try await withEngine { engine, image in
      var events = [ImageProgress]()
      for try await e in engine.pulling(image) { events.append(e) }
      #expect(events.first?.phase == .resolving)
      #expect(events.first?.text == "latest: Pulling from library/busybox")
      let layers = Set(events.compactMap(\.layer))
      #expect(!layers.isEmpty)
      for layer in layers {
        let phases = events.filter { $0.layer == layer }.map(\.phase)
        #expect(phases.first == .waiting, "\(layer): \(phases)")
        #expect(phases.contains(.downloadComplete), "\(layer): \(phases)")
        #expect(phases.last == .pullComplete, "\(layer): \(phases)")
        #expect(events.first { $0.layer == layer }?.id?.count == 12)
      }
      let closing = events.suffix(2).map(\.phase)
      #expect(closing == [.digest, .status])
      #expect(events.last?.status == "Status: Downloaded newer image for \(image)")
      #expect(events[events.count - 2].status.hasPrefix("Digest: sha256:"))

      var again = [ImageProgress]()
      for try await e in engine.pulling(image) { again.append(e) }
      #expect(again.filter(\.isLayer).allSatisfy { $0.phase == .waiting || $0.phase == .alreadyExists })
      #expect(again.last?.status == "Status: Image is up to date for \(image)")
      // The simple form returns the image's ID.
      let id = try await engine.pull(image)
      #expect(id == (try await engine.inspectImage(image)).id)
    }
  }

  /// A pull of a name that is not in the registry fails naming the image, and the error keeps its cause.
  @Test func pullOfAMissingImageNamesIt() async throws {
    try await withEngine { engine, image in
      let missing = image.replacingOccurrences(of: "busybox", with: "no-such-image")
      do throws(EngineError) {
        for try await _ in engine.pulling(missing) {}
        Issue.record("pulled \(missing)")
      } catch {
        #expect("\(error)".contains("pull access denied for \(missing)"), "\(error)")
        #expect(error.cause != nil)
      }
      await #expect(throws: EngineError.invalidArgument("invalid reference format")) {
        try await engine.pull("UPPER/Case@sha256:1")
      }
    }
  }

  /// inspect has docker's fields; RepoDigests is recorded by the pull.
  @Test func inspectHasDockersFields() async throws {
    try await withEngine { engine, image in
      try await engine.pull(image)
      let info = try await engine.inspectImage(image)
      #expect(info.id.hasPrefix("sha256:") && info.id.count == 71)
      #expect(info.repoTags == [image])
      #expect(info.repoDigests.count == 1)
      #expect(info.repoDigests.first?.hasPrefix(image.replacingOccurrences(of: ":latest", with: "@sha256:")) == true)
      #expect(info.os == "linux")
      #expect(!info.architecture.isEmpty)
      #expect(info.config.cmd == ["sh"])
      #expect(info.config.env.contains { $0.hasPrefix("PATH=") })
      #expect(info.layers.count >= 1 && info.layers.allSatisfy { $0.hasPrefix("sha256:") })
      #expect(info.size > 0)
      // By ID prefix, as `images` prints it.
      #expect(try await engine.inspectImage(String(info.id.dropFirst(7).prefix(12))).id == info.id)
      await #expect(throws: EngineError.noSuchImage("nosuch:1")) { try await engine.inspectImage("nosuch:1") }
    }
  }

  /// tag adds names; the list filters by reference (wildcards), dangling, label, before/since; remove reports
  /// docker's untagged and deleted lines and refuses an image a container uses.
  @Test func tagListFiltersAndRemoveReport() async throws {
    try await withEngine { engine, image in
      try await engine.pull(image)
      let id = try await engine.inspectImage(image).id
      try await engine.tag(image, as: "me/app:v1")
      try await engine.tag(image, as: "me/app:v2")
      #expect(try await engine.inspectImage("me/app:v1").id == id)

      let all = try await engine.images()
      #expect(all.count == 1)
      #expect(Set(all.first?.repoTags ?? []) == [image, "me/app:v1", "me/app:v2"])
      let mine = try await engine.images(filters: ["reference": ["me/*"]])
      #expect(mine.map(\.repoTags) == [["me/app:v1", "me/app:v2"]])
      #expect(try await engine.images(filters: ["reference": ["me/app:v2"]]).map(\.repoTags) == [["me/app:v2"]])
      #expect(try await engine.images(filters: ["reference": ["other*"]]).isEmpty)
      #expect(try await engine.images(filters: ["dangling": ["true"]]).isEmpty)
      #expect(try await engine.images(filters: ["dangling": ["false"]]).count == 1)
      #expect(try await engine.images(filters: ["label": ["no.such.label"]]).isEmpty)
      #expect(try await engine.images(filters: ["before": ["me/app:v1"]]).isEmpty)
      #expect(try await engine.images(filters: ["since": ["me/app:v1"]]).isEmpty)
      await #expect(throws: EngineError.invalidArgument("invalid filter 'color'")) {
        try await engine.images(filters: ["color": ["red"]])
      }
      await #expect(throws: EngineError.noSuchImage("nosuch")) { try await engine.tag("nosuch", as: "x:1") }

      #expect(try await engine.removeImage("me/app:v1") == [.untagged("me/app:v1")])
      #expect(try await engine.removeImage("me/app:v2").map(\.description) == ["Untagged: me/app:v2"])

      let container = try await engine.create(ContainerSpec(image: image, command: ["true"]))
      // One of several names comes off an image in use, as docker's rmi; the last one is a conflict.
      try await engine.tag(image, as: "me/app:v3")
      #expect(try await engine.removeImage("me/app:v3") == [.untagged("me/app:v3")])
      await #expect(throws: EngineError.imageInUse(reference: image, container: String(container.prefix(12)))) {
        try await engine.removeImage(image)
      }
      try await engine.remove(container)
      let repoDigest = try #require(try await engine.inspectImage(image).repoDigests.first)
      #expect(try await engine.removeImage(image) == [.untagged(image), .untagged(repoDigest), .deleted(id)])
      #expect(try await engine.images().isEmpty)
      await #expect(throws: EngineError.noSuchImage(image)) { try await engine.removeImage(image) }
    }
  }

  /// history lists the steps newest first, the image's ID and names on the newest.
  @Test func historyIsNewestFirst() async throws {
    try await withEngine { engine, image in
      try await engine.pull(image)
      let info = try await engine.inspectImage(image)
      let steps = try await engine.history(image)
      #expect(!steps.isEmpty)
      #expect(steps.first?.id == info.id)
      #expect(steps.first?.tags == [image])
      #expect(steps.dropFirst().allSatisfy { $0.id == "<missing>" })
      #expect(steps.contains { !$0.createdBy.isEmpty })
      #expect(steps.filter { !$0.emptyLayer }.count == info.layers.count)
      #expect(steps.reduce(0) { $0 + $1.size } > 0)
    }
  }

  /// save streams a docker-archive that load takes back: same ID, same name.
  @Test func saveThenLoadRoundTrip() async throws {
    try await withEngine { engine, image in
      try await engine.pull(image)
      let id = try await engine.inspectImage(image).id
      let archive = try await Self.bytes(engine.save([image]))
      #expect(archive.count > 100_000)
      // docker's layout, each layer.tar hashing to its diffID.
      let file = FileManager.default.temporaryDirectory.appendingPathComponent("save-\(UUID().uuidString).tar")
      defer { try? FileManager.default.removeItem(at: file) }
      try Data(archive).write(to: file)
      let names = try Command.run(["tar", "-tf", file.path]).stdout.split(separator: "\n").map(String.init)
      let layers = names.filter { $0.hasSuffix("/layer.tar") }
      #expect(names.contains("\(id.dropFirst("sha256:".count)).json"), "\(names)")
      #expect(names.suffix(2) == ["manifest.json", "repositories"] && !layers.isEmpty, "\(names)")
      for layer in layers {
        let sum = try Command.run(["sh", "-c", "tar -xOf \(file.path) \(layer) | sha256sum"]).stdout
        #expect(sum.hasPrefix(String(layer.prefix { $0 != "/" })), "\(layer): \(sum)")
      }
      #expect(try await engine.removeImage(image).contains(.deleted(id)))
      let lines = try await engine.load(Self.chunks(archive, size: 65_536))
      #expect(lines == ["Loaded image: \(image)"])
      let loaded = try await engine.inspectImage(image)
      #expect(loaded.id == id)
      #expect(loaded.repoDigests.isEmpty, "a loaded image comes from no registry")
      do throws(EngineError) {
        _ = try await Self.bytes(engine.save(["nosuch:1"]))
        Issue.record("saved an image that does not exist")
      } catch {
        #expect(error == .noSuchImage("nosuch:1"))
      }
    }
  }

  /// import makes a one-layer image from a tarball stream (changes and message applied); export streams a
  /// container's root filesystem as a tar.
  @Test func importAndExport() async throws {
    try await withEngine { engine, image in
      try await withScratchRoot { scratch in
        let dir = try scratch.directory("tars").path
        let tar = try TarFixture.write(
          [.dir("etc"), .file("etc/hello", "from a tarball\n"), .file("hello.txt", "hi")], to: dir + "/flat.tar",
          compression: "gzip")
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: tar)))
        let id = try await engine.importImage(
          Self.chunks(bytes), origin: "flat.tar", reference: "flat:1", message: "made by a test",
          changes: ["CMD [\"/bin/true\"]", "ENV A=b", "LABEL app=flat"])
        let info = try await engine.inspectImage("flat:1")
        #expect(info.id == id)
        #expect(info.comment == "made by a test")
        #expect(info.config.cmd == ["/bin/true"])
        #expect(info.config.env.contains("A=b"))
        #expect(info.layers.count == 1)
        #expect(try await engine.history("flat:1").first?.createdBy == "ckit import flat.tar")
        #expect(try await engine.images(filters: ["label": ["app=flat"]]).map(\.id) == [id])
        #expect(try await engine.images(filters: ["label": ["app=other"]]).isEmpty)
        // An import with no name is dangling: no tags, listed by the dangling filter, removed by ID.
        let untagged = try await engine.importImage(Self.chunks(bytes), changes: ["LABEL n=1"])
        #expect(try await engine.inspectImage(untagged).repoTags.isEmpty)
        #expect(try await engine.images(filters: ["dangling": ["true"]]).map(\.id) == [untagged])
        #expect(try await engine.removeImage(untagged) == [.deleted(untagged)])

        try await engine.pull(image)
        let container = try await engine.run(ContainerSpec(image: image, command: ["sh", "-c", "echo x > /made"]))
        #expect(try await engine.wait(container) == 0)
        let exported = try await Self.bytes(engine.exportContainer(container))
        try Data(exported).write(to: URL(fileURLWithPath: dir + "/export.tar"))
        let names = try Command.run(["tar", "-tf", dir + "/export.tar"]).stdout.split(separator: "\n")
        #expect(names.contains("./made"))
        #expect(names.contains("./bin/busybox"))
        do throws(EngineError) {
          _ = try await Self.bytes(engine.exportContainer("nosuch"))
          Issue.record("exported a container that does not exist")
        } catch {
          #expect(error == .noSuchContainer("nosuch"))
        }
      }
    }
  }

  /// export is the container's root filesystem as `tar -C ROOTFS -c .` would write it (checked with GNU tar):
  /// hard links as links to the first name, symlinks with their targets, setuid modes, numeric owners, FIFOs,
  /// contents. A 48 MiB file is exported as it is read: while the consumer holds the stream after its first
  /// chunk, no scratch file (the old `export-*.tar` in the state root) exists anywhere under the test's root.
  @Test func exportWritesTheRootfsWithoutATemporaryFile() async throws {
    try await withScratchRoot { scratch in
      try await withEngine { engine, image in
        try await engine.pull(image)
        let script =
          "mkdir /d && echo h > /d/h1 && ln /d/h1 /d/h2 && ln -s ../etc/passwd /d/link && chown 12:34 /d/h1"
          + " && chmod 4750 /d/h1 && mkfifo /d/fifo && dd if=/dev/zero of=/big bs=1M count=48 2>/dev/null"
        let container = try await engine.run(ContainerSpec(image: image, command: ["sh", "-c", script]))
        #expect(try await engine.wait(container) == 0)
        // Where a spool could go: the engine's state root (all of it) and the temporary directory's own files
        // (not the trees of the tests running beside this one, nor the test harness's output files).
        let tmp = FileManager.default.temporaryDirectory.path
        func spools() -> Set<String> {
          let top = ((try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? [])
            .filter { !$0.hasPrefix("ckit-cmd-") && !$0.hasPrefix("ckit-bg-") }.map { tmp + "/" + $0 }
            .filter(Self.isLargeFile)
          return Set(Self.largeFiles(under: engine.configuration.root) + top)
        }
        let before = spools()
        var chunks = engine.exportContainer(container).makeAsyncIterator()
        var exported = try #require(try await chunks.next())
        // The writer is ahead of us, or waiting for us: never spooling to a file.
        let appeared = spools().subtracting(before)
        #expect(appeared.isEmpty, "files of more than 1 MiB appeared during the export: \(appeared)")
        while let chunk = try await chunks.next() { exported += chunk }
        let tar = try scratch.directory("out").path + "/export.tar"
        try Data(exported).write(to: URL(fileURLWithPath: tar))
        let listing = try Command.run(["tar", "--numeric-owner", "-tvf", tar]).stdout
        let lines = listing.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        func entry(_ name: String) -> [Substring]? { lines.first { $0.count >= 6 && $0[5] == name } }
        #expect(entry("./")?.first?.hasPrefix("d") == true, "\(listing.prefix(400))")
        #expect(entry("./d/h1").map { Array($0[0...2]) } == ["-rwsr-x---", "12/34", "2"])
        #expect(
          entry("./d/h2").map { Array($0[0...1]) + Array($0[6...]) } == ["hrwsr-x---", "12/34", "link", "to", "./d/h1"])
        #expect(
          entry("./d/link").map { Array($0[0...1]) + Array($0[6...]) } == ["lrwxrwxrwx", "0/0", "->", "../etc/passwd"])
        #expect(entry("./d/fifo")?.first?.hasPrefix("p") == true)
        #expect(entry("./big").map { $0[2] } == "50331648")
        #expect(entry("./bin/busybox")?.first?.hasPrefix("-rwxr-xr-x") == true)
        #expect(try Command.run(["tar", "-xOf", tar, "./d/h1"]).stdout == "h\n")
        let sum = try Command.run(["sh", "-c", "tar -xOf \(tar) ./big | cmp -s - /dev/zero -n 50331648 && echo same"])
        #expect(sum.stdout == "same\n")
      }
    }
  }

  /// Regular files of more than 1 MiB below `dir`, by path.
  static func largeFiles(under dir: String) -> [String] {
    guard let walk = FileManager.default.enumerator(atPath: dir) else { return [] }
    var out = [String]()
    while let rel = walk.nextObject() as? String {
      if isLargeFile(dir + "/" + rel) { out.append(dir + "/" + rel) }
    }
    return out
  }

  /// A regular file (not through a link) of more than 1 MiB.
  static func isLargeFile(_ path: String) -> Bool {
    var st = stat()
    return lstat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFREG && st.st_size > 1 << 20
  }

  /// search on a registry (no search API) lists its catalog entries containing the term.
  @Test func searchTheRegistryCatalog() async throws {
    try await withEngine { engine, image in
      let host = String(image.prefix { $0 != "/" })
      let found = try await engine.search(term: "\(host)/busy")
      #expect(found.map(\.name) == ["\(host)/library/busybox"])
      #expect(try await engine.search(term: "\(host)/nothing-like-this").isEmpty)
    }
  }

  /// search on Docker Hub (here its fixture, configured as an embedder would) uses its search API: docker's
  /// fields, most stars first, at most `limit`.
  @Test func searchDockerHub() async throws {
    try await withEngine { engine, _ in
      let hub = try HubSearchFixture()
      defer { hub.stop() }
      var configuration = engine.configuration
      configuration.registry = RegistryConfiguration(hubSearchEndpoint: hub.endpoint)
      let engine = try ContainerEngine(configuration: configuration)
      let found = try await engine.search(term: "busybox")
      #expect(found.map(\.name) == ["busybox", "progrium/busybox", "radial/busyboxplus"])
      #expect(
        found.first
          == ImageSearchResult(name: "busybox", description: "Busybox base image.", starCount: 3412, isOfficial: true))
      #expect(found[1].isAutomated)
      #expect(try await engine.search(term: "busybox", limit: 1).count == 1)
    }
  }

  /// push streams docker's messages and records the repository digest, which a pull of the pushed name finds.
  @Test func pushStreamsProgressAndRecordsTheDigest() async throws {
    try await withEngine { engine, image in
      try await engine.pull(image)
      let host = String(image.prefix { $0 != "/" })
      let target = "\(host)/api/pushed:1"
      try await engine.tag(image, as: target)
      var events = [ImageProgress]()
      for try await e in engine.pushing(target) { events.append(e) }
      #expect(events.first?.text == "The push refers to repository [\(host)/api/pushed]")
      #expect(events.filter(\.isLayer).first?.status == "Preparing")
      #expect(
        events.filter(\.isLayer).allSatisfy {
          [.waiting, .uploading, .pushed, .alreadyExists, .mounted].contains($0.phase)
        })
      let last = try #require(events.last)
      #expect(last.phase == .digest && last.status.hasPrefix("1: digest: sha256:"))
      let digest = try await engine.push(target)
      #expect(last.status.contains(digest))
      #expect(try await engine.inspectImage(target).repoDigests.contains("\(host)/api/pushed@\(digest)"))
    }
  }

  /// login checks the credentials against a registry with htpasswd auth and keeps them where docker does; wrong
  /// ones are refused and kept nowhere; logout forgets them.
  @Test func loginAndLogout() async throws {
    try await withEngine { engine, _ in
      try await withScratchRoot { scratch in
        let dir = try scratch.directory("docker-config")
        let registry = try LocalRegistry.start(user: "me", password: "secret", directory: dir)
        defer { registry.stop() }
        // Credentials kept in a docker config of the test's own, as an embedder configures it.
        let config = dir.appendingPathComponent("config.json").path
        var configuration = engine.configuration
        configuration.registry = RegistryConfiguration(dockerConfigPath: config)
        let engine = try ContainerEngine(configuration: configuration)
        await #expect(throws: EngineError.self) {
          try await engine.login(registry: registry.host, username: "me", password: "nope")
        }
        #expect(!FileManager.default.fileExists(atPath: config))
        #expect(
          try await engine.login(registry: registry.host, username: "me", password: "secret") == "Login Succeeded")
        let stored = try String(contentsOfFile: config, encoding: .utf8)
        #expect(stored.contains(registry.host) && stored.contains(Data("me:secret".utf8).base64EncodedString()))
        var st = stat()
        #expect(stat(config, &st) == 0 && st.st_mode & 0o777 == 0o600)
        #expect(try await engine.logout(registry: registry.host))
        #expect(try !String(contentsOfFile: config, encoding: .utf8).contains(registry.host))
        #expect(try await engine.logout(registry: registry.host) == false)
      }
    }
  }
}
