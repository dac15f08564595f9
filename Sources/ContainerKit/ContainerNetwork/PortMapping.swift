/// One published port: `-p [ip:][hostPort:]containerPort[/proto]`, as docker parses it.
///
/// A `hostPort` of 0 means "let the kernel choose" (`-P`, or `-p 80`). An empty `hostIP` means every host address,
/// 127.0.0.1 included: the proxy binds the wildcard address.
public struct PortMapping: Sendable, Hashable, Codable, CustomStringConvertible {
  public var hostIP: String
  public var hostPort: Int
  public var containerPort: Int
  public var proto: PortProtocol

  public init(hostIP: String = "", hostPort: Int, containerPort: Int, proto: PortProtocol = .tcp) {
    self.hostIP = hostIP
    self.hostPort = hostPort
    self.containerPort = containerPort
    self.proto = proto
  }

  /// `0.0.0.0:8888->80/tcp`, the PORTS column of `docker ps`.
  public var description: String {
    "\(hostIP.isEmpty ? "0.0.0.0" : hostIP):\(hostPort)->\(containerPort)/\(proto.rawValue)"
  }

  /// Parses one `-p` value. Ranges (`8000-8001:80-81`) expand to one mapping per port; the two ranges must have the
  /// same length, as in docker.
  public static func parse(_ spec: String) throws -> [PortMapping] {
    func fail(_ reason: String) -> NetworkError { .invalidPortSpec(spec, reason: reason) }
    var body = Substring(spec)
    var proto = PortProtocol.tcp
    if let slash = body.lastIndex(of: "/") {
      let p = body[body.index(after: slash)...]
      guard let parsed = PortProtocol(rawValue: p.lowercased()) else { throw fail("Invalid proto: \(p)") }
      proto = parsed
      body = body[..<slash]
    }
    guard !body.isEmpty else { throw fail("No port specified") }
    if body.hasPrefix("[") { throw fail("IPv6 host addresses are not supported") }
    let parts = body.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
    var hostIP = ""
    var hostPart = ""
    let containerPart: String
    switch parts.count {
    case 1: containerPart = parts[0]
    case 2:
      hostPart = parts[0]
      containerPart = parts[1]
    case 3:
      hostIP = parts[0]
      hostPart = parts[1]
      containerPart = parts[2]
    default: throw fail("Invalid port format")
    }
    if !hostIP.isEmpty {
      guard (try? IPv4Address(hostIP)) != nil else { throw fail("Invalid ip address: \(hostIP)") }
    }
    guard let containerRange = parseRange(containerPart, allowZero: false) else {
      throw fail("Invalid containerPort: \(containerPart)")
    }
    var hostRange: ClosedRange<Int>? = nil
    if !hostPart.isEmpty {
      guard let r = parseRange(hostPart, allowZero: true) else { throw fail("Invalid hostPort: \(hostPart)") }
      hostRange = r
    }
    if let hostRange, hostRange.count != containerRange.count {
      throw fail("Invalid ranges specified for container and host Ports")
    }
    return containerRange.enumerated().map { i, c in
      PortMapping(hostIP: hostIP, hostPort: hostRange.map { $0.lowerBound + i } ?? 0, containerPort: c, proto: proto)
    }
  }

  /// Parses an `--expose` value (`80`, `80/udp`, `8000-8010`) into container ports.
  public static func parseExposed(_ spec: String) throws -> [(port: Int, proto: PortProtocol)] {
    var body = Substring(spec)
    var proto = PortProtocol.tcp
    if let slash = body.lastIndex(of: "/") {
      let p = body[body.index(after: slash)...]
      guard let parsed = PortProtocol(rawValue: p.lowercased()) else {
        throw NetworkError.invalidPortSpec(spec, reason: "Invalid proto: \(p)")
      }
      proto = parsed
      body = body[..<slash]
    }
    guard let range = parseRange(String(body), allowZero: false) else {
      throw NetworkError.invalidPortSpec(spec, reason: "Invalid range format for --expose")
    }
    return range.map { ($0, proto) }
  }

  static func parseRange(_ s: String, allowZero: Bool) -> ClosedRange<Int>? {
    let ends = s.split(separator: "-", omittingEmptySubsequences: false)
    guard ends.count == 1 || ends.count == 2 else { return nil }
    var values = [Int]()
    for e in ends {
      guard !e.isEmpty, e.allSatisfy({ $0.isASCII && $0.isNumber }), let v = Int(e), v <= 65535 else { return nil }
      guard v > 0 || allowZero else { return nil }
      values.append(v)
    }
    let lo = values[0]
    let hi = values.count == 2 ? values[1] : lo
    guard lo <= hi else { return nil }
    return lo...hi
  }
}
