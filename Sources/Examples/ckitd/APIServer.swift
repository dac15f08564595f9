import ContainerEngine
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The listeners of ckitd: each `-H` address bound with SwiftNIO, every connection given the HTTP/1.1 codec (and
/// TLS when configured) and an `APIConnectionHandler` over the shared router.
struct APIServer: Sendable {
  let router: Router
  let tls: NIOSSLContext?
  /// Returns freed heap to the kernel when the last connection has gone.
  let idleTrim = IdleTrim()
  /// How long a connection may send nothing while no request of it is being served.
  static let idleTimeout = TimeAmount.seconds(120)
  /// The event loops of every listener and connection: NIO's shared group, one thread per core.
  var group: MultiThreadedEventLoopGroup { .singleton }

  /// Binds `address`; a unix socket gets mode 0660 and group `group` when that group exists, else 0600.
  func bind(_ address: ListenAddress, group: String) async throws -> any Channel {
    let bootstrap = ServerBootstrap(group: self.group)
      .serverChannelOption(.backlog, value: 256)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .childChannelOption(.allowRemoteHalfClosure, value: true)
      .childChannelOption(.maxMessagesPerRead, value: 4)
      .childChannelInitializer { [router, tls, idleTrim] channel in
        idleTrim.track(channel)
        return channel.eventLoop.makeCompletedFuture {
          let sync = channel.pipeline.syncOperations
          if let tls, case .tcp = address { try sync.addHandler(NIOSSLServerHandler(context: tls)) }
          try sync.addHandler(IdleStateHandler(readTimeout: Self.idleTimeout))
          try sync.addHandler(
            ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes)),
            name: APIConnectionHandler.decoderName)
          try sync.addHandler(HTTPResponseEncoder(), name: APIConnectionHandler.encoderName)
          try sync.addHandler(APIConnectionHandler(router: router))
        }
      }
    switch address {
    case .unix(let path):
      let channel = try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
      try SocketPermissions.restrict(path, group: group)
      return channel
    case .tcp(let host, let port):
      return try await bootstrap.bind(host: host, port: port).get()
    }
  }
}
