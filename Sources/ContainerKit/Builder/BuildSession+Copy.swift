import Foundation
import OCI

extension BuildSession {
  /// COPY and ADD: the key includes the content digest of the sources, so changing one file invalidates this step
  /// and the ones after it only.
  func copy(_ ins: CopyInstruction, state: inout BuildState) async throws {
    let keyword = ins.keyword
    if ins.sources.contains(where: RemoteSource.isURL) {
      try await addRemote(ins, state: &state)
      return
    }
    if ins.checksum != nil {
      throw BuildError.invalidInstruction(keyword, reason: "--checksum is only valid for URL sources")
    }

    // The source: the context, or the final state of a stage / an image (identified by its cache ID, whose
    // contents it determines, so no files need reading on a cache hit).
    var fromState: BuildState?
    if let from = ins.from {
      if let s = dockerfile.stage(named: from), let done = finished[s.index] {
        fromState = done
      } else {
        fromState = try await image(from, platform: state.config.platform)
      }
    }
    let contextOp = fromState == nil ? try CopyOperation(ins, from: .context(context)) : nil
    let sources: Digest
    if let fromState {
      sources = Digest.sha256(of: Array("from \(fromState.cacheID)".utf8))
    } else if let contextOp {
      sources = try contextOp.digest()
    } else {
      throw BuildError.sourceNotFound(ins.sources.joined(separator: " "), instruction: keyword)
    }
    let key = CacheKey(
      parent: state.cacheID, instruction: ins.canonicalText, sources: sources, platform: state.config.platform)
    if let hit = lookup(key) {
      state = hit
      return
    }
    let workdir = state.config.config?.workingDir ?? "/"
    let createdBy =
      "/bin/sh -c #(nop) \(keyword) \(fromState == nil ? "file" : "multi"):\(sources.encoded) in \(ins.destination)"
    if let hit = cacheFromHit(state, createdBy: createdBy, key: key) {
      state = hit
      return
    }
    let storage = self.storage
    var next = try await withMount(state, createdBy: createdBy) { m in
      if let contextOp {
        try await contextOp.apply(to: m.rootfs, workdir: workdir)
      } else if let fromState {
        let src = try await storage.mount(fromState, id: m.id + "-from")
        do {
          try await CopyOperation(ins, from: .rootfs(src.rootfs)).apply(to: m.rootfs, workdir: workdir)
          await storage.release(src)
        } catch {
          await storage.release(src)
          throw error
        }
      }
    }
    next.cacheID = key.digest
    try builder.cache.store(next, for: key)
    state = next
  }

  /// ADD of URLs: with `--checksum` the key needs no download (the checksum names the content), otherwise the
  /// file is fetched and its digest keys the step, as the classic builder does.
  func addRemote(_ ins: CopyInstruction, state: inout BuildState) async throws {
    guard ins.sources.allSatisfy(RemoteSource.isURL), ins.from == nil else {
      throw BuildError.invalidInstruction("ADD", reason: "URL sources cannot be mixed with local ones or --from")
    }
    if ins.sources.count > 1, !ins.destination.hasSuffix("/") {
      throw BuildError.destinationNotDirectory(ins.destination, instruction: "ADD")
    }
    if let c = ins.checksum, (try? Digest(parsing: c)) == nil {
      throw BuildError.invalidInstruction("ADD", reason: "invalid --checksum \"\(c)\"")
    }
    let downloads = builder.cacheMounts.deletingLastPathComponent()
      .appendingPathComponent("downloads/\(UUID().uuidString.prefix(12))")
    do { try FileManager.default.createDirectory(at: downloads, withIntermediateDirectories: true) } catch {
      throw BuildError.io(path: downloads.path, errno: EACCES)
    }
    defer { try? FileManager.default.removeItem(at: downloads) }
    var fetched: [(name: String, digest: Digest)] = []
    func fetchAll() async throws {
      for u in ins.sources {
        let (file, d) = try await RemoteSource.download(u, into: downloads, checksum: ins.checksum)
        fetched.append((file.lastPathComponent, d))
      }
    }
    let sources: Digest
    if let c = ins.checksum, ins.sources.count == 1, let d = try? Digest(parsing: c) {
      sources = d
    } else {
      try await fetchAll()
      sources = Digest.sha256(of: Array(fetched.map { "\($0.name) \($0.digest)" }.joined(separator: "\n").utf8))
    }
    let key = CacheKey(
      parent: state.cacheID, instruction: ins.canonicalText, sources: sources, platform: state.config.platform)
    if let hit = lookup(key) {
      state = hit
      return
    }
    let createdBy = "/bin/sh -c #(nop) ADD \(ins.sources.joined(separator: " ")) in \(ins.destination)"
    if let hit = cacheFromHit(state, createdBy: createdBy, key: key) {
      state = hit
      return
    }
    if fetched.isEmpty { try await fetchAll() }
    // Copied like a plain file: downloaded archives are never unpacked.
    var plain = ins
    plain.isAdd = false
    plain.sources = fetched.map(\.name)
    let op = try CopyOperation(plain, from: .rootfs(downloads))
    let workdir = state.config.config?.workingDir ?? "/"
    var next = try await withMount(state, createdBy: createdBy) { m in
      try await op.apply(to: m.rootfs, workdir: workdir)
    }
    next.cacheID = key.digest
    try builder.cache.store(next, for: key)
    state = next
  }
}
