import Foundation

/// The directory layout under `--root` (default `/var/lib/ckit`), shared by every `ckit` process and monitor:
///
///     containers/<id>/container.json   the record (ContainerRecord)
///     containers/<id>/state.json       the monitor's live state
///     containers/<id>/<id>-json.log    json-file logs (rotated: .1, .2 ...)
///     containers/<id>/hosts, resolv.conf, hostname
///     run/<short id>.sock              attach sockets (short: sun_path holds 108 bytes)
///     network/                         IPAM state
///     volumes/<name>/_data             named volumes
///     images/                          the image store
///     names/<name> -> <id>             symlinks: the name index, so create and lookup never read every record
///     containers.lock                  flock held while names are checked and records created or removed
package struct StateRoot: Sendable {
  package let path: String

  package init(_ path: String) { self.path = path }

  package var containers: String { path + "/containers" }
  package var images: String { path + "/images" }
  package var volumes: String { path + "/volumes" }
  package var network: String { path + "/network" }
  package var run: String { path + "/run" }
  package var names: String { path + "/names" }
  package func namePath(_ name: String) -> String { names + "/" + name }

  package func containerDir(_ id: String) -> String { containers + "/" + id }
  package func recordPath(_ id: String) -> String { containerDir(id) + "/container.json" }
  package func monitorStatePath(_ id: String) -> String { containerDir(id) + "/state.json" }
  package func logPath(_ id: String) -> String { containerDir(id) + "/\(id)-json.log" }
  package func attachSocket(_ id: String) -> String { run + "/\(id.prefix(12)).sock" }

  package func prepare() throws {
    for dir in [path, containers, images, volumes, network, run] {
      do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
        throw EngineError.state(path: dir, reason: "\(error.localizedDescription)")
      }
    }
  }

  /// Runs `body` holding the root's lock, so that two `ckit run --name x` never both win.
  package func locked<T>(_ body: () throws -> T) throws -> T {
    let lockPath = path + "/containers.lock"
    var fd = open(lockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
    if fd < 0, errno == ENOENT {
      // A root not prepared yet (its directories are made once, not at every create).
      try prepare()
      fd = open(lockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
    }
    guard fd >= 0 else { throw EngineError.state(path: lockPath, reason: String(cString: strerror(errno))) }
    defer { close(fd) }
    while flock(fd, LOCK_EX) != 0 {
      guard errno == EINTR else { throw EngineError.state(path: lockPath, reason: String(cString: strerror(errno))) }
    }
    return try body()
  }
}
