import Foundation
import Synchronization

/// A loopback proxy in front of a registry that misbehaves on purpose: flips one byte of blob bodies, or stops
/// dead in the middle of a blob as if the registry had been killed. Everything else passes through unchanged.
public final class RegistryProxy: Sendable {
  public enum Mode: Sendable {
    case passthrough
    /// Flips a byte in the middle of every blob body (not manifests): the digest no longer matches.
    case corruptBlobs
    /// Serves `bytes` of the first blob larger than that, then closes every connection and the listener.
    case stopDuringBlob(afterBytes: Int)
    /// Answers blob GETs with `307` to `http://127.0.0.1:PORT/<same path>`, as registries backed by object
    /// storage do.
    case redirectBlobs(toPort: Int)
    /// Answers the first `count` blob GETs with `503`, then passes through: transient registry trouble.
    case unavailableFirst(count: Int)
    /// Serves `bytes` of the first blob larger than that, then sends nothing more on that connection until the
    /// client goes away (`stalled` turns true once the bytes are out): a pull caught mid-way, for as long as the
    /// test needs. Later blobs pass through.
    case stallDuringBlob(afterBytes: Int)
  }

  public let upstreamPort: Int
  private let server: RegistryFixtureServer
  private let counter: Counter

  public var port: Int { server.port }
  /// `127.0.0.1:PORT`: the registry part of references that go through the proxy.
  public var host: String { server.host }
  /// Blob GETs seen.
  public var blobRequests: Int { counter.value.withLock { $0 } }
  /// Whether a `stallDuringBlob` proxy has served its bytes and holds the connection.
  public var stalled: Bool { counter.stall.withLock { $0.stalled } }

  public init(upstreamPort: Int, mode: Mode) throws {
    self.upstreamPort = upstreamPort
    let counter = Counter()
    let box = ServerBox()
    let server = try RegistryFixtureServer { request, client in
      let isBlob = request.method == "GET" && request.path.contains("/blobs/sha256:")
      let seen =
        isBlob
        ? counter.value.withLock {
          $0 += 1; return $0
        } : 0
      if isBlob, case .unavailableFirst(let n) = mode, seen <= n {
        return .response(status: 503, headers: [:], body: Array("try again".utf8))
      }
      if isBlob, case .redirectBlobs(let port) = mode {
        return .response(
          status: 307, headers: ["Location": "http://127.0.0.1:\(port)\(request.path)?sig=fixture"], body: [])
      }
      Self.forward(request, to: upstreamPort, client: client, isBlob: isBlob, mode: mode, stall: counter) {
        box.server?.stop()
      }
      return .handled
    }
    box.server = server
    self.server = server
    self.counter = counter
  }

  public func stop() { server.stop() }

  private final class Counter: Sendable {
    let value = Mutex(0)
    /// `stallDuringBlob`: whether a connection took the stall, and whether its bytes are out.
    let stall = Mutex((claimed: false, stalled: false))
  }

  private final class ServerBox: @unchecked Sendable {
    weak var server: RegistryFixtureServer?
  }

  private static func forward(
    _ request: RegistryFixtureServer.Request, to port: Int, client: Int32, isBlob: Bool, mode: Mode,
    stall: Counter, stopAll: () -> Void
  ) {
    let up = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard up >= 0 else { return }
    defer { close(up) }
    guard (try? LoopbackSocket.connect(up, port: port)) != nil else {
      RegistryFixtureServer.writeResponse(client, status: 502, headers: [:], body: Array("upstream down".utf8))
      return
    }
    var head = "\(request.method) \(request.target) HTTP/1.1\r\n"
    for (k, v) in request.headers where k != "connection" && k != "host" && k != "content-length" {
      head += "\(k): \(v)\r\n"
    }
    head += "Host: 127.0.0.1:\(port)\r\nConnection: close\r\nContent-Length: \(request.body.count)\r\n\r\n"
    RegistryFixtureServer.writeAll(up, Array(head.utf8))
    RegistryFixtureServer.writeAll(up, request.body)

    var buf = [UInt8](repeating: 0, count: 65536)
    var pending = [UInt8]()
    var headerDone = false
    var bodySeen = 0
    var status = 0
    var flipAt = -1
    var length = -1
    var stallAt = -1
    while true {
      let n = recv(up, &buf, buf.count, 0)
      if n <= 0 { break }
      var chunk = Array(buf[0..<n])
      if !headerDone {
        pending += chunk
        guard let end = pending.firstRange(of: Array("\r\n\r\n".utf8)) else { continue }
        headerDone = true
        let headText = String(decoding: pending[..<end.lowerBound], as: UTF8.self)
        status = Int(headText.split(separator: " ").dropFirst().first ?? "") ?? 0
        for line in headText.components(separatedBy: "\r\n") where line.lowercased().hasPrefix("content-length:") {
          length = Int(line.dropFirst(15).trimmingCharacters(in: .whitespaces)) ?? -1
        }
        if isBlob, status == 200, length > 0, case .corruptBlobs = mode { flipAt = length / 2 }
        if isBlob, status == 200, case .stallDuringBlob(let limit) = mode, length > limit,
          stall.stall.withLock({ s in
            defer { s.claimed = true }
            return !s.claimed
          })
        {
          stallAt = limit
        }
        guard RegistryFixtureServer.writeAll(client, pending[..<end.upperBound]) else { return }
        chunk = Array(pending[end.upperBound...])
      }
      if flipAt >= bodySeen, flipAt < bodySeen + chunk.count { chunk[flipAt - bodySeen] ^= 0x01 }
      if isBlob, status == 200, case .stopDuringBlob(let limit) = mode, length > limit {
        if bodySeen + chunk.count >= limit {
          RegistryFixtureServer.writeAll(client, chunk[..<(limit - bodySeen)])
          stopAll()
          return
        }
      }
      if stallAt >= 0, bodySeen + chunk.count >= stallAt {
        RegistryFixtureServer.writeAll(client, chunk[..<(stallAt - bodySeen)])
        stall.stall.withLock { $0.stalled = true }
        // Nothing more: the connection is held until the client closes it (or dies).
        var sink = [UInt8](repeating: 0, count: 512)
        while recv(client, &sink, sink.count, 0) > 0 {}
        return
      }
      bodySeen += chunk.count
      guard RegistryFixtureServer.writeAll(client, chunk) else { return }
    }
  }
}
