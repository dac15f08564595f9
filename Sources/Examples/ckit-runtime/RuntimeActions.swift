import ArgumentParser
import ContainerKit
import OCI

/// The per-container subcommands' work, shared by the ArgumentParser commands and ``FastPath``.
enum RuntimeActions {
  static func start(_ id: String) async throws { try await runtime.container(id: id).start() }

  static func state(_ id: String) throws {
    let data = try SpecJSON.encode(try runtime.container(id: id).state())
    print(String(decoding: data, as: UTF8.self))
  }

  static func kill(_ id: String, signal: String, all: Bool) throws {
    guard let sig = Signals.number(signal) else { throw ValidationError("unknown signal \"\(signal)\"") }
    try runtime.container(id: id).kill(sig, all: all)
  }

  static func delete(_ id: String, force: Bool) async throws {
    do {
      try await runtime.delete(id: id, force: force)
    } catch ContainerError.notFound where force {
      return
    }
  }
}
