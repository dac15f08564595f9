import ArgumentParser
import ContainerKit
import LinuxSystem

#if canImport(Glibc)
  import Glibc
#endif

// runc-compatible: the same bundle runs under crun, runc and ckit-runtime.
let (options, rest) = GlobalOptions.parse(Array(CommandLine.arguments.dropFirst()))
global = options
if options.systemdCgroup {
  options.report(
    "--systemd-cgroup is not supported: this runtime manages cgroups through cgroupfs (podman --cgroup-manager "
      + "cgroupfs; containerd: SystemdCgroup = false)")
  exit(1)
}
if rest == ["--version"] || rest == ["-v"] {
  print("ckit-runtime version \(RuntimeCommand.version)\nspec: \(RuntimeCommand.specVersion)")
  exit(0)
}

// `exec` and `create` clone a process that a container's processes can see before it execs the program: run from a
// sealed copy (see SealedExecutable), re-executed before anything else, while a start costs least (`run` decides
// once it has read the spec: ContainerRuntime.beforeVisibleSpawn).
if rest.first == "exec" || rest.first == "create" {
  do { try SealedExecutable.reexecIfNeeded() } catch {
    global.report(error.description)
    exit(1)
  }
}

/// Runs the command and exits from the task, which runs on the main thread (``MainThreadExecutor``).
@Sendable func main(_ rest: [String]) async -> Never {
  do {
    if let action = FastPath.parse(rest) {
      try await action()
    } else {
      var command = try RuntimeCommand.parseAsRoot(rest)
      if let sub = command as? any Subcommand {
        try await sub.execute()
      } else {
        try command.run()
      }
    }
    exit(0)
  } catch let e as ContainerError {
    global.report(e.description)
    exit(e.exitStatus)
  } catch let e as RuntimeExit {
    exit(e.status)
  } catch let e as ExitCode {
    exit(e.rawValue)
  } catch let e as ValidationError {
    global.report(e.message)
    exit(1)
  } catch let e as CleanExit {
    RuntimeCommand.exit(withError: e)
  } catch {
    // Help and usage errors print as ArgumentParser formats them; anything else is a runtime error.
    if RuntimeCommand.exitCode(for: error) != .failure || "\(type(of: error))".contains("Parser") {
      RuntimeCommand.exit(withError: error)
    }
    global.report("\(error)")
    exit(1)
  }
}

let executor = MainThreadExecutor()
Task(executorPreference: executor) {
  await BlockingCall.$blocksCaller.withValue(true) { () async -> Void in await main(rest) }
}
executor.run()
