import ArgumentParser
import ContainerKit
import Foundation

// runc-compatible: the same bundle runs under crun, runc and ckit-runtime.
let (options, rest) = GlobalOptions.parse(Array(CommandLine.arguments.dropFirst()))
global = options
do {
  var command = try RuntimeCommand.parseAsRoot(rest)
  if let sub = command as? any Subcommand {
    try await sub.execute()
  } else {
    try command.run()
  }
} catch let e as ContainerError {
  global.report(e.description)
  exit(e.exitStatus)
} catch let e as ExitCode {
  exit(e.rawValue)
} catch let e as ValidationError {
  global.report(e.message)
  exit(1)
} catch let e as CleanExit {
  RuntimeCommand.exit(withError: e)
} catch {
  if RuntimeCommand.exitCode(for: error) != .success || "\(type(of: error))".contains("Parser") {
    RuntimeCommand.exit(withError: error)
  }
  global.report("\(error)")
  exit(1)
}
