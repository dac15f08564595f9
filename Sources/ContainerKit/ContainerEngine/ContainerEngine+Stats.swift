import Foundation

extension ContainerEngine {
  /// The container's resource usage as Docker's `stats`: a first reading half a second after the call (so that it
  /// has a CPU %, against a reading taken at the call), then with `stream` one a second, until the consumer stops
  /// iterating or the container is removed. A container that does not run reads as zeros.
  public func stats(_ reference: String, stream: Bool = true) async throws(EngineError) -> AsyncStream<ContainerStats> {
    let record = try await mapped { try store.find(reference) }
    let records = store
    let reader = StatsReader(driver: LibraryEngine.cgroupDriver)
    let network = record.hostConfig.networkMode != .host
    let (samples, continuation) = AsyncStream.makeStream(of: ContainerStats.self)
    let task = Task {
      defer { continuation.finish() }
      func sample() -> ContainerStats? {
        guard let latest = try? records.load(id: record.id) else { return nil }
        let status = records.status(latest)
        return reader.read(  // nonblocking: cgroup and /proc files are answered by the kernel at once
          pid: status.isRunning ? status.pid : 0, network: network)
      }
      guard var before = sample() else { return }
      try? await Task.sleep(nanoseconds: 500_000_000)
      while !Task.isCancelled, var now = sample() {
        now.previousCPUUsage = before.cpuUsage
        now.previousSystemCPUUsage = before.systemCPUUsage
        continuation.yield(now)
        guard stream else { return }
        before = now
        try? await Task.sleep(nanoseconds: 1_000_000_000)
      }
    }
    continuation.onTermination = { _ in task.cancel() }
    return samples
  }
}
