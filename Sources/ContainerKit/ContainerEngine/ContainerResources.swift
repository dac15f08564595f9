/// What `update` changes (docker update's flags): each nil leaves the container's value as it is.
public struct ContainerResources: Sendable, Equatable {
  /// Bytes; 0 removes the limit (docker's minimum is 6 MB).
  public var memoryLimit: Int64?
  /// CPU time in billionths of a CPU (`--cpus 0.5` is 5e8); 0 removes the limit.
  public var nanoCPUs: Int64?
  /// The relative CPU weight.
  public var cpuShares: Int64?
  /// The most processes the container may have; 0 removes the limit.
  public var pidsLimit: Int64?
  /// When the monitor restarts the container: from its next start.
  public var restartPolicy: RestartPolicy?

  /// Changes only what is given.
  public init(
    memoryLimit: Int64? = nil, nanoCPUs: Int64? = nil, cpuShares: Int64? = nil, pidsLimit: Int64? = nil,
    restartPolicy: RestartPolicy? = nil
  ) {
    self.memoryLimit = memoryLimit
    self.nanoCPUs = nanoCPUs
    self.cpuShares = cpuShares
    self.pidsLimit = pidsLimit
    self.restartPolicy = restartPolicy
  }
}
