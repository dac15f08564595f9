import ContainerEngine
import NIOHTTP1
import Testing

@testable import ckitd

/// The websocket attach's handshake (RFC 6455's own example) and Docker's `ConsoleSize` field, as ckitd reads them.
@Suite struct WebSocketAndConsoleSizeTests {
  @Test func handshakeAcceptsRFC6455sExample() throws {
    let headers: HTTPHeaders = [
      "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
      "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    ]
    #expect(try WebSocketHandshake.accept(headers) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    var noUpgrade = headers
    noUpgrade.remove(name: "Upgrade")
    var oldVersion = headers
    oldVersion.replaceOrAdd(name: "Sec-WebSocket-Version", value: "8")
    var noKey = headers
    noKey.remove(name: "Sec-WebSocket-Key")
    for refused in [noUpgrade, oldVersion, noKey] {
      #expect(throws: APIError.self) { try WebSocketHandshake.accept(refused) }
    }
  }

  @Test func consoleSizeIsHeightThenWidth() throws {
    #expect(
      try Fields.consoleSize(.array([.int(33), .int(111)]), "ConsoleSize") == TerminalSize(rows: 33, columns: 111))
    #expect(try Fields.consoleSize(.array([.int(0), .int(0)]), "ConsoleSize") == nil)
    #expect(try Fields.consoleSize(nil, "ConsoleSize") == nil)
    #expect(try Fields.consoleSize(.null, "ConsoleSize") == nil)
    for wrong: JSON in [
      .string("24x80"), .array([.int(24)]), .array([.int(-1), .int(80)]), .array([.int(70_000), .int(1)]),
    ] {
      #expect(throws: APIError.self) { try Fields.consoleSize(wrong, "ConsoleSize") }
    }
  }
}
