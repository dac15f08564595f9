import ContainerKit
import Foundation
import Testing

/// The one JSON string writer: the runtime's state file and log lines (JSONEncoder's escapes), and with
/// `escapingHTML` the tools' JSON (Go's `encoding/json`, as Docker writes it).
@Suite struct JSONStringTests {
  static let sample = "a\"b\\c\n\r\t\u{8}\u{C}\u{1}\u{1F}<>&/\u{2028}\u{2029}éè€😀"

  @Test func goEscapesWithHTML() throws {
    let expected = #""a\"b\\c\n\r\t\b\f\u0001\u001f\u003c\u003e\u0026/\u2028\u2029éè€😀""#
    #expect(String(decoding: JSONString.quoted(Self.sample, escapingHTML: true), as: UTF8.self) == expected)
    var out = "x:"
    JSONString.append(Self.sample, escapingHTML: true, to: &out)
    #expect(out == "x:" + expected)
    let decoded = try JSONSerialization.jsonObject(with: Data(expected.utf8), options: .fragmentsAllowed)
    #expect(decoded as? String == Self.sample)
  }

  @Test func withoutHTMLOnlyQuotesBackslashesAndControls() {
    let expected = #""a\"b\\c\n\r\t\b\f\u0001\u001f<>&/"# + "\u{2028}\u{2029}éè€😀\""
    #expect(String(decoding: JSONString.quoted(Self.sample), as: UTF8.self) == expected)
    var out = ""
    JSONString.append("plain € text", to: &out)
    #expect(out == "\"plain € text\"")
  }
}
