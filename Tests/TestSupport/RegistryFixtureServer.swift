import Foundation
import Synchronization

/// A minimal HTTP/1.1 server on 127.0.0.1 for registry-side fixtures that `docker-registry` cannot play itself: a
/// token server, Docker Hub's search API, a proxy that corrupts or cuts blobs. One thread per connection, one
/// request per connection (`Connection: close`), blocking sockets: simple enough to trust in tests.
public final class RegistryFixtureServer: Sendable {
  public struct Request: Sendable {
    public var method: String
    /// Path with query, as sent.
    public var target: String
    /// Lowercased names.
    public var headers: [String: String]
    public var body: [UInt8]

    public var path: String { String(target.split(separator: "?", maxSplits: 1).first ?? "") }

    /// Query items, repeated names kept in order.
    public var query: [(String, String)] {
      guard let q = target.split(separator: "?", maxSplits: 1).dropFirst().first else { return [] }
      return q.split(separator: "&").map { item in
        let kv = item.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
        return (
          kv[0].replacingOccurrences(of: "+", with: " "),
          kv.count > 1 ? kv[1].replacingOccurrences(of: "+", with: " ") : ""
        )
      }
    }
  }

  /// What a handler does with a request: answer it, or write raw bytes itself (proxies).
  public enum Reply: Sendable {
    case response(status: Int, headers: [String: String], body: [UInt8])
    /// The handler already wrote to the socket (the `Int32`) and it may be closed.
    case handled
  }

  public typealias Handler = @Sendable (Request, Int32) -> Reply

  public let port: Int
  private let listener: Int32
  private let handler: Handler
  private let state = Mutex<(stopped: Bool, connections: Set<Int32>, requests: [String])>((false, [], []))

  public var host: String { "127.0.0.1:\(port)" }

  /// Paths of the requests served so far (`METHOD target`), for assertions.
  public var requestLog: [String] { state.withLock { $0.requests } }

  public init(handler: @escaping Handler) throws {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EIO) }
    var one: Int32 = 1
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
    do {
      self.port = try LoopbackSocket.bind(fd, listen: 64)
    } catch {
      close(fd)
      throw error
    }
    self.listener = fd
    self.handler = handler
    let t = Thread { [self] in self.acceptLoop() }
    t.start()
  }

  deinit { stop() }

  /// Closes the listener and every open connection: clients see resets and then refused connections.
  public func stop() {
    let conns: Set<Int32>? = state.withLock { s in
      guard !s.stopped else { return nil }
      s.stopped = true
      return s.connections
    }
    guard let conns else { return }
    shutdown(listener, Int32(SHUT_RDWR))
    close(listener)
    for c in conns { shutdown(c, Int32(SHUT_RDWR)) }
  }

  private func acceptLoop() {
    while true {
      let c = accept(listener, nil, nil)
      if c < 0 {
        if errno == EINTR { continue }
        return
      }
      let accepted = state.withLock { s -> Bool in
        guard !s.stopped else { return false }
        s.connections.insert(c)
        return true
      }
      guard accepted else {
        close(c)
        return
      }
      let t = Thread { [self] in
        self.serve(c)
        self.state.withLock { _ = $0.connections.remove(c) }
        close(c)
      }
      t.start()
    }
  }

  private func serve(_ fd: Int32) {
    guard let request = Self.readRequest(fd) else { return }
    state.withLock { $0.requests.append("\(request.method) \(request.target)") }
    switch handler(request, fd) {
    case .handled: return
    case .response(let status, let headers, let body):
      Self.writeResponse(fd, status: status, headers: headers, body: body)
    }
  }

  /// Reads one request head and its Content-Length body.
  public static func readRequest(_ fd: Int32) -> Request? {
    var data = [UInt8]()
    var buf = [UInt8](repeating: 0, count: 65536)
    var headEnd: Range<Int>?
    while headEnd == nil {
      let n = recv(fd, &buf, buf.count, 0)
      if n <= 0 { return nil }
      data.append(contentsOf: buf[0..<n])
      // A TLS ClientHello (clients probing https first) is not HTTP: close at once so they fall back quickly.
      guard let first = data.first, (0x41...0x5a).contains(first) else { return nil }
      headEnd = data.firstRange(of: Array("\r\n\r\n".utf8))
    }
    guard let headEnd else { return nil }
    let lines = String(decoding: data[..<headEnd.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
    let first = lines[0].split(separator: " ")
    guard first.count >= 2 else { return nil }
    var headers: [String: String] = [:]
    for line in lines.dropFirst() {
      if let colon = line.firstIndex(of: ":") {
        headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
      }
    }
    var body = Array(data[headEnd.upperBound...])
    let length = Int(headers["content-length"] ?? "0") ?? 0
    while body.count < length {
      let n = recv(fd, &buf, min(buf.count, length - body.count), 0)
      if n <= 0 { return nil }
      body.append(contentsOf: buf[0..<n])
    }
    return Request(method: String(first[0]), target: String(first[1]), headers: headers, body: body)
  }

  public static func writeResponse(_ fd: Int32, status: Int, headers: [String: String], body: [UInt8]) {
    var head = "HTTP/1.1 \(status) \(status < 300 ? "OK" : "Error")\r\n"
    for (k, v) in headers { head += "\(k): \(v)\r\n" }
    head += "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
    writeAll(fd, Array(head.utf8))
    writeAll(fd, body)
  }

  @discardableResult
  public static func writeAll(_ fd: Int32, _ bytes: some Collection<UInt8>) -> Bool {
    let a = Array(bytes)
    var off = 0
    while off < a.count {
      let n = a[off...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
      if n <= 0 { return false }
      off += n
    }
    return true
  }
}
