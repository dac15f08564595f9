import Foundation

/// A subprocess that runs while the test watches what it prints, then is ended by the test (`ckit attach`,
/// streaming `ckit stats`): the test waits for the output it needs rather than for a fixed time, which a loaded
/// machine overruns. Output goes to a file, so a chatty process never blocks on a full pipe.
public final class BackgroundCommand: @unchecked Sendable {
  private let process = Process()
  private let output: URL
  private let handle: FileHandle

  public init(_ argv: [String], environment: [String: String]? = nil) throws {
    output = FileManager.default.temporaryDirectory.appendingPathComponent("ckit-bg-\(UUID().uuidString).out")
    FileManager.default.createFile(atPath: output.path, contents: nil)
    handle = try FileHandle(forWritingTo: output)
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = argv
    if let environment { process.environment = environment }
    process.standardOutput = handle
    process.standardError = handle
    process.standardInput = FileHandle.nullDevice
    try process.run()
  }

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
    if process.isRunning { kill(process.processIdentifier, signal) }
    process.waitUntilExit()
    try? handle.close()
    let result = CommandResult(status: process.terminationStatus, stdout: text, stderr: "")
    try? FileManager.default.removeItem(at: output)
    return result
  }

  deinit {
    if process.isRunning {
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
    }
    try? handle.close()
    try? FileManager.default.removeItem(at: output)
  }
}
