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

/// Runs fixture tools. Output goes to temp files, not pipes, so a chatty tool can never block on a full pipe.
public enum Command {
  /// Runs `argv` (resolved on PATH) to completion.
  @discardableResult
  public static func run(
    _ argv: [String], stdin: String? = nil, check: Bool = true, environment: [String: String]? = nil
  )
    throws -> CommandResult
  {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = argv
    if let environment { p.environment = environment }
    let dir = FileManager.default.temporaryDirectory
    let outURL = dir.appendingPathComponent("ckit-cmd-\(UUID().uuidString).out")
    let errURL = dir.appendingPathComponent("ckit-cmd-\(UUID().uuidString).err")
    FileManager.default.createFile(atPath: outURL.path, contents: nil)
    FileManager.default.createFile(atPath: errURL.path, contents: nil)
    defer {
      try? FileManager.default.removeItem(at: outURL)
      try? FileManager.default.removeItem(at: errURL)
    }
    let out = try FileHandle(forWritingTo: outURL)
    let err = try FileHandle(forWritingTo: errURL)
    p.standardOutput = out
    p.standardError = err
    let inPipe = Pipe()
    p.standardInput = stdin == nil ? FileHandle.nullDevice : inPipe
    try p.run()
    if let stdin {
      inPipe.fileHandleForWriting.write(Data(stdin.utf8))
      try? inPipe.fileHandleForWriting.close()
    }
    p.waitUntilExit()
    try? out.close()
    try? err.close()
    let result = CommandResult(
      status: p.terminationStatus,
      stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
      stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    if check, result.status != 0 { throw CommandError(command: argv, result: result) }
    return result
  }
}
