import DockerfileParser
import Foundation
import LayerFS
import OCI
import Synchronization

extension BuildSession {
  /// RUN: in a container on a snapshot of the current state, with the stage's SHELL, ENV, USER, WORKDIR and the
  /// ARGs in scope in its environment; its writes become the next layer.
  func run(_ r: Run, buildArgs: [String: String], state: inout BuildState) async throws {
    let form: CommandForm
    switch r.command {
    case .exec(let a): form = .exec(a)
    case .shell: form = .shell(r.shellScript ?? "")
    }
    let config = state.config.config ?? ImageConfiguration.ContainerConfig()
    let argv = form.argv(shell: config.shell ?? MetadataInstruction.defaultShell)
    guard !argv.isEmpty else { throw BuildError.invalidInstruction("RUN", reason: "empty command") }
    let network = r.network.flatMap { $0 == .default ? nil : $0.rawValue } ?? options.network
    var flags = r.mounts.map { "--mount=\($0.raw)" }
    if let n = r.network { flags.append("--network=\(n.rawValue)") }
    if let s = r.security { flags.append("--security=\(s.rawValue)") }

    // The ARGs a RUN sees, as the classic builder records them: `|2 A=1 B=2 /bin/sh -c ...`.
    let envNames = Set((config.env ?? []).map { String($0.split(separator: "=", maxSplits: 1)[0]) })
    // Docker leaves the predefined proxy ARGs out of the history (they may hold credentials); the process sees them.
    let args = buildArgs.filter { !envNames.contains($0.key) }.sorted { $0.key < $1.key }
    let recorded = args.filter { !StageExpander.proxyArgs.contains($0.key) }
    var createdBy = argv.joined(separator: " ")
    if !recorded.isEmpty {
      createdBy =
        "|\(recorded.count) " + recorded.map { "\($0.key)=\($0.value)" }.joined(separator: " ") + " " + createdBy
    }
    let keyText = (["RUN"] + flags).joined(separator: " ") + " " + form.text
    let key = CacheKey(
      parent: state.cacheID, instruction: keyText, args: args.map { KeyValue(key: $0.key, value: $0.value) },
      platform: state.config.platform)
    if let hit = lookup(key) {
      state = hit
      return
    }
    if let hit = cacheFromHit(state, createdBy: createdBy, key: key) {
      state = hit
      return
    }
    let env = (config.env ?? []) + args.map { "\($0.key)=\($0.value)" }
    let cwd = config.workingDir.flatMap { $0.isEmpty ? nil : $0 } ?? "/"
    let user = config.user ?? ""
    let executor = builder.executor
    let progress = self.progress
    let mountRoot = builder.cacheMounts
    let contextRoot = context.root
    let display = form.text
    var next = try await withMount(state, createdBy: createdBy) { m in
      let users = try UserDatabase(buildRootfs: m.rootfs)
      let ids: (uid: UInt32, gid: UInt32, additional: [UInt32]) =
        user.isEmpty ? (0, 0, []) : try users.resolveUser(user)
      let mounts = try r.mounts.map { try Self.runMount($0, cacheRoot: mountRoot, context: contextRoot) }
      let request = RunRequest(
        id: m.id, rootfs: m.rootfs, args: argv, env: env, cwd: cwd, uid: ids.uid, gid: ids.gid,
        additionalGids: ids.additional, network: network, mounts: mounts)
      progress(.running(containerID: m.id.replacingOccurrences(of: "ckit-build-", with: "")))
      let tail = OutputTail()
      let code = try await executor.run(request) { bytes in
        tail.append(bytes)
        progress(.output(bytes))
      }
      if code != 0 {
        throw BuildError.runFailed(command: display, exitCode: code, output: tail.text)
      }
    }
    next.cacheID = key.digest
    try builder.cache.store(next, for: key)
    state = next
  }

  /// `--mount=type=cache|bind|tmpfs,target=...` (typed and checked by the parser): cache directories persist under
  /// the builder's root, keyed by `id` (default: the target); bind sources come from the context, read-only unless
  /// `rw`.
  static func runMount(_ m: RunMount, cacheRoot: URL, context: URL) throws(BuildError) -> RunRequest.Mount {
    guard let target = m.target else {
      throw .invalidInstruction("RUN --mount", reason: "\"\(m.raw)\": target is required")
    }
    switch m.type {
    case .cache:
      let id = m.id ?? target
      let dir = cacheRoot.appendingPathComponent(Digest.sha256(of: Array(id.utf8)).encoded)
      try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
      return RunRequest.Mount(kind: .cache, source: dir.path, target: target)
    case .bind:
      if m.from != nil {
        throw .invalidInstruction("RUN --mount", reason: "\"\(m.raw)\": bind from a stage is not supported")
      }
      // The runtime mounts by path: the one of the object the kernel resolved inside the (hostile) context, never
      // one through a link the host would follow out of it.
      guard let src = ScopedPath.resolve(ScopedPath.clean(m.source ?? "/"), in: context) else {
        throw .sourceNotFound(m.source ?? "/", instruction: "RUN --mount=\(m.raw)")
      }
      return RunRequest.Mount(kind: .bind, source: src.path, target: target, readOnly: m.readOnly)
    case .tmpfs:
      return RunRequest.Mount(kind: .tmpfs, target: target)
    case .secret, .ssh:
      throw .invalidInstruction("RUN --mount", reason: "\"\(m.raw)\": unsupported type \(m.type.rawValue)")
    }
  }
}

/// The last 64 KiB of a RUN's output, kept for the error message when it fails.
final class OutputTail: Sendable {
  private let buffer = Mutex<[UInt8]>([])
  static let limit = 64 * 1024

  func append(_ bytes: [UInt8]) {
    buffer.withLock {
      $0.append(contentsOf: bytes)
      if $0.count > Self.limit { $0.removeFirst($0.count - Self.limit) }
    }
  }

  var text: String { buffer.withLock { String(decoding: $0, as: UTF8.self) } }
}
