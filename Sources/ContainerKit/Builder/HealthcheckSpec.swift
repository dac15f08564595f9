import OCI

/// HEALTHCHECK after parsing: `NONE`, or a command with its timing flags (Go durations, as Docker accepts them).
public enum HealthcheckSpec: Hashable, Sendable {
  case none
  case command(CommandForm, options: [KeyValue])

  /// The config value Docker stores: `["NONE"]`, `["CMD-SHELL", s]` or `["CMD", argv...]`, durations in
  /// nanoseconds; flags that are not given stay absent so the runtime's defaults apply.
  func configuration() throws(BuildError) -> ImageConfiguration.Healthcheck {
    switch self {
    case .none:
      return ImageConfiguration.Healthcheck(test: ["NONE"])
    case .command(let form, let options):
      var h: ImageConfiguration.Healthcheck
      switch form {
      case .shell(let s): h = .init(test: ["CMD-SHELL", s])
      case .exec(let a): h = .init(test: ["CMD"] + a)
      }
      for o in options {
        switch o.key {
        case "interval": h.interval = try Self.duration(o)
        case "timeout": h.timeout = try Self.duration(o)
        case "start-period": h.startPeriod = try Self.duration(o)
        case "start-interval": h.startInterval = try Self.duration(o)
        case "retries":
          guard let r = Int(o.value), r >= 0 else {
            throw .invalidInstruction("HEALTHCHECK", reason: "invalid --retries \"\(o.value)\"")
          }
          h.retries = r
        default:
          throw .invalidInstruction("HEALTHCHECK", reason: "unknown flag --\(o.key)")
        }
      }
      return h
    }
  }

  private static func duration(_ o: KeyValue) throws(BuildError) -> Int64 {
    guard let ns = GoDuration.nanoseconds(o.value) else {
      throw .invalidInstruction("HEALTHCHECK", reason: "invalid --\(o.key) duration \"\(o.value)\"")
    }
    // Docker: a zero duration means the default; anything else must be at least 1ms.
    if ns != 0, ns < 1_000_000 {
      throw .invalidInstruction("HEALTHCHECK", reason: "--\(o.key) cannot be less than 1ms")
    }
    return ns
  }
}

/// Go's `time.ParseDuration`: `1h30m`, `500ms`, `2.5s`.
enum GoDuration {
  static func nanoseconds(_ s: String) -> Int64? {
    if s == "0" { return 0 }
    let units: [(String, Double)] = [
      ("ns", 1), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9),
    ]
    var rest = Substring(s)
    var total = 0.0
    guard !rest.isEmpty else { return nil }
    while !rest.isEmpty {
      let num = rest.prefix { $0.isNumber || $0 == "." }
      guard !num.isEmpty, let v = Double(num) else { return nil }
      rest = rest.dropFirst(num.count)
      let unit = rest.prefix { !$0.isNumber && $0 != "." }
      guard let factor = units.first(where: { $0.0 == unit })?.1 else { return nil }
      rest = rest.dropFirst(unit.count)
      total += v * factor
    }
    return Int64(total)
  }
}
