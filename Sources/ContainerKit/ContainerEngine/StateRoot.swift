import Foundation
import LinuxSystem
import OCI

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
///     events.log, events.log.1         the event journal: JSON lines, two bounded generations (EventJournal)
///     builder/                         the build cache and build contexts
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

  /// Where the runtime sends a `-t` container's pty master to its monitor (`--console-socket`), during a start.
  package func consoleSocket(_ id: String) -> String { run + "/\(id.prefix(12)).console" }

  /// Makes the root and its directories, all private to root (0700) from the start: the records hold containers'
  /// environments and the image store holds layers with setuid binaries (see `PrivateDirectory`). A root an
  /// older version made 0755 is tightened.
  package func prepare() throws {
    do { try PrivateDirectory.prepare(path) } catch {
      throw EngineError.state(path: path, reason: error.description)
    }
    for dir in [containers, images, volumes, network, run] where mkdir(dir, 0o700) != 0 && errno != EEXIST {
      throw EngineError.state(path: dir, reason: String(cString: strerror(errno)))
    }
  }

  /// Tightens a root made by an older version (0755 let any local user read `container.json` and reach the
  /// image layers); what a new one is made with. A missing root is left for `prepare`.
  package func tighten() throws {
    do { try PrivateDirectory.tighten(path) } catch {
      throw EngineError.state(path: path, reason: error.description)
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
    if Syscall.retrying({ flock(fd, LOCK_EX) }) != 0 {
      throw EngineError.state(path: lockPath, reason: String(cString: strerror(errno)))
    }
    return try body()
  }
}
