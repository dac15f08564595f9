import DockerfileParser
import OCI

extension Healthcheck {
  /// The config value Docker stores: `["NONE"]`, `["CMD-SHELL", s]` or `["CMD", argv...]`, durations in
  /// nanoseconds; options that are not given stay absent so the runtime's defaults apply. The parser has already
  /// checked the durations and retries (Go's `time.ParseDuration`, at least 1ms).
  var configuration: ImageConfiguration.Healthcheck {
    switch self {
    case .none:
      return ImageConfiguration.Healthcheck(test: ["NONE"])
    case .command(let form, let options):
      var h: ImageConfiguration.Healthcheck
      switch form {
      case .shell(let s): h = .init(test: ["CMD-SHELL", s])
      case .exec(let a): h = .init(test: ["CMD"] + a)
      }
      h.interval = options.interval.map(Self.nanoseconds)
      h.timeout = options.timeout.map(Self.nanoseconds)
      h.startPeriod = options.startPeriod.map(Self.nanoseconds)
      h.startInterval = options.startInterval.map(Self.nanoseconds)
      h.retries = options.retries
      return h
    }
  }

  private static func nanoseconds(_ d: Duration) -> Int64 {
    let (s, atto) = d.components
    return s * 1_000_000_000 + atto / 1_000_000_000
  }
}
