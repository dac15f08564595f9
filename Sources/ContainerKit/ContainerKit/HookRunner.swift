import Foundation
import OCI

/// Runs the spec's hooks: each gets the container state as JSON on stdin; a non-zero exit or a timeout fails the
/// lifecycle step it belongs to (except poststart/poststop, which only warn, as the spec says).
enum HookRunner {
  static func run(_ hooks: [Spec.Hook]?, name: String, state: ContainerState) throws(ContainerError) {
    guard let hooks, !hooks.isEmpty else { return }
    let input: Data
    do { input = try SpecJSON.encode(state) } catch { throw .hook(name: name, path: "", reason: "\(error)") }
    for hook in hooks {
      let p = Foundation.Process()
      p.executableURL = URL(fileURLWithPath: hook.path)
      p.arguments = Array((hook.args ?? [hook.path]).dropFirst())
      if let env = hook.env {
        p.environment = Dictionary(
          env.compactMap { e -> (String, String)? in
            guard let eq = e.firstIndex(of: "=") else { return nil }
            return (String(e[..<eq]), String(e[e.index(after: eq)...]))
          }, uniquingKeysWith: { _, b in b })
      } else {
        p.environment = [:]
      }
      // The state goes in through an unlinked temp file, not a pipe: a hook that exits without reading its stdin
      // must not raise SIGPIPE in the embedding process.
      let stdin: FileHandle
      do { stdin = try stateFile(input) } catch { throw .hook(name: name, path: hook.path, reason: "\(error)") }
      defer { try? stdin.close() }
      p.standardInput = stdin
      let stderr = try HookOutput(hook: hook.path, kind: name)
      p.standardError = FileHandle(fileDescriptor: stderr.fd, closeOnDealloc: false)
      do { try p.run() } catch { throw .hook(name: name, path: hook.path, reason: "\(error)") }
      let deadline = hook.timeout.map { Date().addingTimeInterval(TimeInterval($0)) }
      while p.isRunning {
        if let deadline, Date() > deadline {
          p.terminate()
          kill(p.processIdentifier, SIGKILL)
          p.waitUntilExit()
          throw .hook(name: name, path: hook.path, reason: stderr.explain("timed out after \(hook.timeout ?? 0)s"))
        }
        usleep(2000)
      }
      if p.terminationStatus != 0 {
        throw .hook(name: name, path: hook.path, reason: stderr.explain("exited with status \(p.terminationStatus)"))
      }
    }
  }

  static func stateFile(_ input: Data) throws -> FileHandle {
    var template = Array("/tmp/ckit-hook-state.XXXXXX".utf8CString)
    let fd = mkstemp(&template)
    guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    unlink(String(cString: template))
    let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    try handle.write(contentsOf: input)
    try handle.seek(toOffset: 0)
    return handle
  }
}
