import ArgumentParser
import CLinuxSystem
import ContainerEngine
import Foundation
import NIOCore
import NIOSSL

/// `ckitd`: Docker's Engine API over ContainerKit's engine, so that the docker CLI, docker-py, testcontainers and
/// the rest of Docker's ecosystem drive ContainerKit. Containers are held by their monitors, not by ckitd: it can
/// stop (or be killed) and restart without touching them, and shares its state root with `ckit`.
@main
struct Ckitd: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Docker's Engine API server for ContainerKit",
    discussion: "See Documentation/ckitd.md. The API socket is root-equivalent: keep it 0600/0660.")

  @Option(
    name: [.customShort("H"), .customLong("host")],
    help:
      "Address to listen on: unix://PATH or tcp://127.0.0.1:PORT (repeatable; default unix://\(ListenAddress.defaultSocket))"
  )
  var hosts: [String] = []

  @Option(name: .customLong("root"), help: "Root of the ckit state (containers, images, volumes), as ckit's --root")
  var root: String = ProcessInfo.processInfo.environment["CKIT_ROOT"] ?? "/var/lib/ckit"

  @Option(name: [.customShort("G"), .customLong("group")], help: "Group given access to unix sockets (mode 0660)")
  var group: String = "ckit"

  @Flag(
    name: .customLong("tlsverify"), help: "Serve TCP with TLS and require client certificates signed by --tlscacert")
  var tlsVerify = false

  @Option(name: .customLong("tlscacert"), help: "CA certificate that client certificates must be signed by")
  var tlsCACert: String?

  @Option(name: .customLong("tlscert"), help: "Server certificate (PEM)")
  var tlsCert: String?

  @Option(name: .customLong("tlskey"), help: "Server private key (PEM)")
  var tlsKey: String?

  @Flag(name: [.customShort("D"), .customLong("debug")], help: "Log every request and error on stderr")
  var debug = false

  func run() async throws {
    // Two malloc arenas, not glibc's eight per core: every thread that ever ran (the blocking pool grows with
    // the load) otherwise keeps an arena of its own with what it freed, and ckitd stayed 11 MB larger after a load.
    _ = cls_malloc_arena_max(2)
    let addresses = try (hosts.isEmpty ? ["unix://\(ListenAddress.defaultSocket)"] : hosts).map {
      try ListenAddress(parsing: $0)
    }
    let tls = try tlsContext()
    for address in addresses where !address.isLocal && tls == nil {
      throw ValidationError(
        "refusing \(address): the API is root-equivalent, so a non-loopback address needs "
          + "--tlsverify --tlscacert --tlscert --tlskey")
    }
    let engine = try ContainerEngine(configuration: engineConfiguration())
    // What a killed ckitd left: containers whose monitor died, and those its interrupted commit left frozen.
    await engine.sweep()
    var router = Routes.all(engine: engine)
    router.debug = debug
    let server = APIServer(router: router, tls: tls)
    await EventLoopPriority.raise(server.group)
    var channels: [any Channel] = []
    let mask = umask(0o177)  // the socket is created 0600, then opened to its group
    defer { _ = umask(mask) }
    for address in addresses {
      if case .unix(let path) = address {
        try FileManager.default.createDirectory(
          atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      }
      channels.append(try await server.bind(address, group: group))
      FileHandle.standardError.write(Data("ckitd: API listening on \(address)\n".utf8))
    }
    _ = umask(mask)
    for channel in channels { try await channel.closeFuture.get() }
  }

  /// The engine over `--root`. A detached container's release when it ends is `ckit monitor-exit` when `ckit`
  /// is installed beside ckitd (as ckit does it); else the engine releases it the next time it looks.
  private func engineConfiguration() -> EngineConfiguration {
    let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    let ckit = exe.deletingLastPathComponent().appendingPathComponent("ckit").path
    let exit = FileManager.default.isExecutableFile(atPath: ckit) ? [ckit, "--root", root, "monitor-exit"] : []
    return EngineConfiguration(root: root, exitCommand: exit)
  }

  /// TLS with client-certificate verification, when `--tlsverify` is given (all three files required).
  private func tlsContext() throws -> NIOSSLContext? {
    guard tlsVerify else { return nil }
    guard let tlsCACert, let tlsCert, let tlsKey else {
      throw ValidationError("--tlsverify needs --tlscacert, --tlscert and --tlskey")
    }
    var configuration = TLSConfiguration.makeServerConfiguration(
      certificateChain: try NIOSSLCertificate.fromPEMFile(tlsCert).map { .certificate($0) },
      privateKey: .privateKey(try NIOSSLPrivateKey(file: tlsKey, format: .pem)))
    configuration.trustRoots = .file(tlsCACert)
    configuration.certificateVerification = .noHostnameVerification
    return try NIOSSLContext(configuration: configuration)
  }
}
