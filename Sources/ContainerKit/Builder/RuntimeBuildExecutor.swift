import ContainerKit
import Foundation
import LinuxSystem
import OCI

/// `BuildExecutor` over the project's `ContainerRuntime`: each RUN is a real container (namespaces, cgroup,
/// pivot_root) on the step's root filesystem, its stdout and stderr joined into one pipe that is streamed as it
/// arrives.
public struct RuntimeBuildExecutor: BuildExecutor {
  public let runtime: ContainerRuntime

  public init(runtime: ContainerRuntime) {
    self.runtime = runtime
  }

  public func run(_ request: RunRequest, output: @escaping @Sendable ([UInt8]) -> Void) async throws -> Int32 {
    var spec = Spec.container(
      rootfs: request.rootfs.path, args: request.args, env: request.env, cwd: request.cwd, hostname: "buildkitsandbox")
    spec.process?.user = Spec.User(
      uid: request.uid, gid: request.gid, additionalGids: request.additionalGids.isEmpty ? nil : request.additionalGids)
    // Build containers inherit the builder's limits: raising RLIMIT_NOFILE past the current hard limit needs
    // CAP_SYS_RESOURCE, which a builder running inside another container may not have.
    spec.process?.rlimits = nil
    if request.network == "host" {
      spec.linux?.namespaces?.removeAll { $0.type == .network }
    }
    for m in request.mounts {
      switch m.kind {
      case .bind, .cache:
        spec.mounts?.append(
          Spec.Mount(
            destination: m.target, type: "bind", source: m.source, options: ["rbind", m.readOnly ? "ro" : "rw"]))
      case .tmpfs:
        spec.mounts?.append(
          Spec.Mount(destination: m.target, type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev"]))
      }
    }
    let reader: Int32
    let writer: Int32
    do { (reader, writer) = try ProcessIO.makePipe() } catch { throw BuildError.io(path: "pipe", errno: errno) }
    let devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)
    // The read loop blocks, so it gets a thread of its own rather than one of the concurrency pool's.
    let done = Task {
      await BlockingCall.run {
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
          let n = Syscall.retrying { buf.withUnsafeMutableBytes { read(reader, $0.baseAddress, $0.count) } }
          if n <= 0 { break }
          output(Array(buf[0..<n]))
        }
        close(reader)
      }
    }
    let status: ExitStatus
    do {
      status = try await runtime.run(
        id: request.id, spec: spec, io: .fileDescriptors(stdin: devnull, stdout: writer, stderr: writer))
    } catch {
      close(writer)
      close(devnull)
      await done.value
      throw BuildError.underlying("RUN \(request.args.joined(separator: " ")): \(error)")
    }
    close(writer)
    close(devnull)
    await done.value
    return status.shellStatus
  }
}
