import ArgumentParser

/// runc's subcommands this runtime does not implement, refused with a message that says so (instead of a usage
/// error about their first option), since callers relay it: `ctr task checkpoint` shows it as the reason.
struct Unsupported: ParsableCommand, Subcommand {
  static let configuration = CommandConfiguration(
    commandName: "checkpoint", abstract: "Not supported: checkpoint and restore need CRIU, which this runtime lacks.",
    aliases: ["restore"])
  @Argument(parsing: .allUnrecognized) var arguments: [String] = []

  func execute() async throws {
    throw ValidationError("checkpoint and restore are not supported by ckit-runtime (no CRIU support)")
  }
}
