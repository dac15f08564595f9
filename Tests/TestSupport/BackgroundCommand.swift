import Foundation

/// A subprocess that runs while the test watches what it prints, then is ended by the test (`ckit attach`,
/// streaming `ckit stats`): the test waits for the output it needs rather than for a fixed time, which a loaded
/// machine overruns. Output goes to a file, so a chatty process never blocks on a full pipe.
public final class BackgroundCommand: @unchecked Sendable {
  private let process: Subprocess
  private let output: URL

  public init(_ argv: [String], environment: [String: String]? = nil) throws {
    output = FileManager.default.temporaryDirectory.appendingPathComponent("ckit-bg-\(UUID().uuidString).out")
    let fd = open(output.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: output.path]) }
    defer { close(fd) }
    process = try Subprocess(argv, environment: environment, stdout: fd, stderr: fd)
  }

  /// The process's pid (valid until ``stop(signal:)``).
  public var pid: pid_t { process.pid }

  /// What it printed so far (stdout and stderr together).
  public var text: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }

  /// Waits until what it printed satisfies `condition`; false if it did not within `timeout` (or exited first).
  public func waitForOutput(timeout: Duration = defaultDeadline, _ condition: (String) -> Bool) async throws -> Bool {
    _ = try await eventually(timeout: timeout, every: .milliseconds(50)) { condition(text) || !process.isRunning }
    return condition(text)
  }

  /// Sends `signal` (if it still runs), waits for the exit and returns the status and everything it printed.
  @discardableResult
  public func stop(signal: Int32 = SIGTERM) -> CommandResult {
    process.signal(signal)
    let status = process.waitUntilExit()
    let result = CommandResult(status: status, stdout: text, stderr: "")
    try? FileManager.default.removeItem(at: output)
    return result
  }

  /// The process itself is killed and reaped by ``Subprocess``'s deinit.
  deinit { try? FileManager.default.removeItem(at: output) }
}
