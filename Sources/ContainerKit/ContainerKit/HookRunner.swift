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
      let stdin = Pipe()
      p.standardInput = stdin
      do { try p.run() } catch { throw .hook(name: name, path: hook.path, reason: "\(error)") }
      try? stdin.fileHandleForWriting.write(contentsOf: input)
      try? stdin.fileHandleForWriting.close()
      let deadline = hook.timeout.map { Date().addingTimeInterval(TimeInterval($0)) }
      while p.isRunning {
        if let deadline, Date() > deadline {
          p.terminate()
          kill(p.processIdentifier, SIGKILL)
          p.waitUntilExit()
          throw .hook(name: name, path: hook.path, reason: "timed out after \(hook.timeout ?? 0)s")
        }
        usleep(2000)
      }
      if p.terminationStatus != 0 {
        throw .hook(name: name, path: hook.path, reason: "exited with status \(p.terminationStatus)")
      }
    }
  }
}
