import Crypto
import Foundation
import NIOHTTP1

/// The server's side of RFC 6455's opening handshake, for the one endpoint dockerd serves over websockets
/// (`/containers/{id}/attach/ws`): the request must ask for `Upgrade: websocket`, version 13, with a key; the answer
/// is `101 Switching Protocols` with the key's `Sec-WebSocket-Accept`.
enum WebSocketHandshake {
  /// The GUID RFC 6455 appends to the client's key.
  static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

  /// The `Sec-WebSocket-Accept` of a request, or the 400 a request that is no websocket handshake gets.
  static func accept(_ headers: HTTPHeaders) throws -> String {
    guard headers["Upgrade"].contains(where: { $0.lowercased() == "websocket" }) else {
      throw APIError.badRequest("not a websocket handshake: Upgrade: websocket expected")
    }
    guard headers["Sec-WebSocket-Version"].contains("13") else {
      throw APIError.badRequest("unsupported websocket version: 13 expected")
    }
    guard let key = headers["Sec-WebSocket-Key"].first?.trimmingCharacters(in: .whitespaces), !key.isEmpty else {
      throw APIError.badRequest("not a websocket handshake: no Sec-WebSocket-Key")
    }
    return Data(Insecure.SHA1.hash(data: Data((key + guid).utf8))).base64EncodedString()
  }

  /// The head of the `101` answer.
  static func head(accept: String) -> String {
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: \(accept)\r\n\r\n"
  }
}
