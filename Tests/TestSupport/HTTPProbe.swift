import Foundation

/// A plain HTTP/1.1 GET over a blocking socket, for fixtures and end-to-end checks that must not depend on the
/// client under test. Reads until the server closes; no chunked decoding, no TLS.
public enum HTTPProbe {
  public struct Response: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: [UInt8]
    public var text: String { String(decoding: body, as: UTF8.self) }
  }

  public static func get(host: String = "127.0.0.1", port: Int, path: String = "/", timeout: Int = 5) throws
    -> Response
  {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EIO) }
    defer { close(fd) }
    var tv = timeval(tv_sec: timeout, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    try LoopbackSocket.connect(fd, host: host, port: port)
    let request = "GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n\r\n"
    _ = request.withCString { send(fd, $0, strlen($0), 0) }
    var data = [UInt8]()
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
      let n = recv(fd, &buf, buf.count, 0)
      if n <= 0 { break }
      data.append(contentsOf: buf[0..<n])
    }
    guard let split = data.firstRange(of: Array("\r\n\r\n".utf8)) else { throw FixtureError.broken("bad HTTP reply") }
    let head = String(decoding: data[..<split.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
    let statusParts = head.first?.split(separator: " ") ?? []
    guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
      throw FixtureError.broken("bad HTTP status line")
    }
    var headers = [String: String]()
    for line in head.dropFirst() {
      if let colon = line.firstIndex(of: ":") {
        headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
      }
    }
    return Response(status: status, headers: headers, body: Array(data[split.upperBound...]))
  }
}

/// Ports for servers started by tests.
public enum FreePort {
  /// A TCP port on 127.0.0.1 that was free a moment ago (the kernel picks it).
  public static func next() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EIO) }
    defer { close(fd) }
    return try LoopbackSocket.bind(fd)
  }
}
