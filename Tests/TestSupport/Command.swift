import CLinuxSystem
import Foundation

/// A finished subprocess: its exit status and everything it printed.
public struct CommandResult: Sendable {
  public var status: Int32
  public var stdout: String
  public var stderr: String
}

/// Errors from running fixture tools (umoci, skopeo, docker-registry), with the command line and its output.
public struct CommandError: Error, CustomStringConvertible {
  public var command: [String]
  public var result: CommandResult
  public var description: String {
    "\(command.joined(separator: " ")) exited \(result.status): \(result.stderr)\(result.stdout)"
  }
}

/// Runs fixture tools (through ``Subprocess``: no Foundation `Process`). Output goes to temp files, not pipes, so a
/// chatty tool can never block on a full pipe.
public enum Command {
  /// Runs `argv` (resolved on PATH) to completion.
  @discardableResult
  public static func run(
    _ argv: [String], stdin: String? = nil, check: Bool = true, environment: [String: String]? = nil
  )
    throws -> CommandResult
  {
    let dir = FileManager.default.temporaryDirectory
    let outURL = dir.appendingPathComponent("ckit-cmd-\(UUID().uuidString).out")
    let errURL = dir.appendingPathComponent("ckit-cmd-\(UUID().uuidString).err")
    defer {
      try? FileManager.default.removeItem(at: outURL)
      try? FileManager.default.removeItem(at: errURL)
    }
    let out = open(outURL.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    let err = open(errURL.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    // stdin from a memory file, not a pipe: a tool that exits without reading it raises no SIGPIPE here.
    let input = stdin.map { text -> Int32 in
      let fd = cls_memfd("ckit-cmd-input")
      _ = Array(text.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
      lseek(fd, 0, SEEK_SET)
      return fd
    }
    defer { for fd in [out, err, input ?? -1] where fd >= 0 { close(fd) } }
    guard out >= 0, err >= 0, input.map({ $0 >= 0 }) ?? true else {
      throw CommandError(command: argv, result: CommandResult(status: -1, stdout: "", stderr: "temporary files"))
    }
    let status = try Subprocess(argv, environment: environment, stdin: input, stdout: out, stderr: err)
      .waitUntilExit()
    let result = CommandResult(
      status: status,
      stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
      stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    if check, result.status != 0 { throw CommandError(command: argv, result: result) }
    return result
  }
}
