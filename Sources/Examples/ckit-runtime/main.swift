import ArgumentParser
import ContainerKit
import Foundation

// runc-compatible: the same bundle runs under crun, runc and ckit-runtime.
let (options, rest) = GlobalOptions.parse(Array(CommandLine.arguments.dropFirst()))
global = options
do {
  var command = try RuntimeCommand.parseAsRoot(rest)
  if var async = command as? AsyncParsableCommand {
    try await async.run()
  } else {
    try command.run()
  }
} catch let e as ContainerError {
  global.report(e.description)
  exit(e.exitStatus)
} catch let e as ExitCode {
  exit(e.rawValue)
} catch {
  RuntimeCommand.exit(withError: error)
}
