import DockerfileParser
import Foundation
import OCI

extension BuildSession {
  /// COPY and ADD: the key includes the content digest of the sources, so changing one file invalidates this step
  /// and the ones after it only.
  func copy(_ node: Node, state: inout BuildState, env: [String: String]) async throws {
    let words = try node.arguments.map { try expand($0, env: env) }
    let isAdd = node.command == "add"
    let keyword = isAdd ? "ADD" : "COPY"
    guard words.count >= 2 else {
      throw BuildError.invalidInstruction(keyword, reason: "requires at least two arguments")
    }
    func flag(_ n: String) throws -> String? { try node.flag(n).map { try expand($0, env: env) } }
    let ins = CopyInstruction(
      sources: Array(words.dropLast()), destination: words[words.count - 1], chown: try flag("chown"),
      chmod: try flag("chmod"), excludes: try node.flags("exclude").map { try expand($0, env: env) },
      from: try flag("from"), isAdd: isAdd, link: node.flag("link").map { $0 != "false" } ?? false,
      checksum: try flag("checksum"))
    if let url = ins.sources.first(where: { $0.hasPrefix("http://") || $0.hasPrefix("https://") }) {
      throw BuildError.invalidInstruction(keyword, reason: "remote source \(url) is not supported by this builder")
    }

    // The source: the context, or the final state of a stage / an image (identified by its cache ID, whose
    // contents it determines, so no files need reading on a cache hit).
    var fromState: BuildState?
    if let from = ins.from {
      if let s = stages.stage(named: from), let done = finished[s.index] {
        fromState = done
      } else {
        fromState = try await storage.baseImage(from, platform: state.config.platform, pull: options.pull)
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
    let storage = self.storage
    var next = try await withMount(state, createdBy: createdBy) { m in
      if let contextOp {
        try contextOp.apply(to: m.rootfs, workdir: workdir)
      } else if let fromState {
        let src = try await storage.mount(fromState, id: m.id + "-from")
        do {
          try CopyOperation(ins, from: .rootfs(src.rootfs)).apply(to: m.rootfs, workdir: workdir)
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
}
