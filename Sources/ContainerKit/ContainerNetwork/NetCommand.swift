import Foundation

/// Runs `nft`, the nftables front end, whose rule compiler is the one made for the job (links, addresses, routes
/// and namespaces go over netlink in-process instead, see ``RTNetlink``). The argv is always built from validated
/// values, never from a shell string.
enum NetCommand {
  @discardableResult
  static func run(_ argv: [String], stdin: String? = nil) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: try resolve(argv[0]))
    p.arguments = Array(argv.dropFirst())
    let out = Pipe()
    p.standardOutput = out
    p.standardError = out
    let input = Pipe()
    p.standardInput = stdin == nil ? FileHandle.nullDevice : input
    do { try p.run() } catch {
      throw NetworkError.commandFailed(command: argv, status: -1, output: "\(error)")
    }
    if let stdin {
      input.fileHandleForWriting.write(Data(stdin.utf8))
      try? input.fileHandleForWriting.close()
    }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    guard p.terminationStatus == 0 else {
      throw NetworkError.commandFailed(command: argv, status: p.terminationStatus, output: text)
    }
    return text
  }

  static func resolve(_ tool: String) throws -> String {
    if tool.hasPrefix("/") { return tool }
    for dir in ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
    where FileManager.default.isExecutableFile(atPath: "\(dir)/\(tool)") {
      return "\(dir)/\(tool)"
    }
    throw NetworkError.commandFailed(
      command: [tool], status: 127, output: "\(tool) not found (install nftables)")
  }
}
