import ContainerKit
import LinuxSystem

#if canImport(Glibc)
  import Glibc
#endif

/// The options runc takes before the subcommand (`ckit-runtime --root /run/x run ...`), parsed by hand because
/// they precede the subcommand name.
struct GlobalOptions {
  var root = "/run/ckit"
  var log: String?
  var logFormat = "text"
  var cgroupParent = "ckit"
  /// runc's `--systemd-cgroup` (cgroupsPath as `slice:prefix:name`, units through systemd): not supported, refused
  /// by `main` rather than read as a cgroupfs path.
  var systemdCgroup = false

  /// Splits `args` into the global options and the subcommand with its own arguments.
  static func parse(_ args: [String]) -> (GlobalOptions, [String]) {
    var g = GlobalOptions()
    var i = 0
    func value(_ name: String) -> String? {
      let a = args[i]
      if a.hasPrefix(name + "=") { return String(a.dropFirst(name.count + 1)) }
      if a == name, i + 1 < args.count {
        i += 1
        return args[i]
      }
      return nil
    }
    while i < args.count, args[i].hasPrefix("-") {
      let a = args[i]
      if a.hasPrefix("--root") {
        g.root = value("--root") ?? g.root
      } else if a.hasPrefix("--log-format") {
        g.logFormat = value("--log-format") ?? g.logFormat
      } else if a.hasPrefix("--log") {
        g.log = value("--log")
      } else if a.hasPrefix("--cgroup-parent") {
        g.cgroupParent = value("--cgroup-parent") ?? g.cgroupParent
      } else if a == "--systemd-cgroup" {
        g.systemdCgroup = true
      } else if a == "--help" || a == "-h" || a == "--version" || a == "-v" {
        break
      }
      // --debug, --rootless=...: accepted for compatibility, no effect.
      i += 1
    }
    return (g, Array(args[i...]))
  }

  /// Writes an error the way runc does: to stderr, and to --log (as JSON with --log-format json).
  func report(_ message: String) {
    Self.write(Array("ckit-runtime: \(message)\n".utf8), to: 2)
    guard let log else { return }
    let line: String
    if logFormat == "json" {
      let msg = String(decoding: JSONString.quoted(message), as: UTF8.self)
      line = "{\"level\":\"error\",\"msg\":\(msg),\"time\":\"\(RFC3339.now())\"}\n"
    } else {
      line = "level=error msg=\"\(message)\"\n"
    }
    let fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
    guard fd >= 0 else { return }
    Self.write(Array(line.utf8), to: fd)
    close(fd)
  }

  static func write(_ bytes: [UInt8], to fd: Int32) {
    var offset = 0
    while offset < bytes.count {
      let n = Syscall.retrying { bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } }
      if n <= 0 { return }
      offset += n
    }
  }
}

/// Global options reach the subcommands through here: ArgumentParser builds the commands itself.
nonisolated(unsafe) var global = GlobalOptions()
