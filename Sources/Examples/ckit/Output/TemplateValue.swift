import Foundation

import enum ContainerKit.JSONString

/// The data a `--format` template reads: what `{{.ID}}` resolves against and what `{{json .}}` prints. Objects
/// keep their key order, so JSON output reads like docker's.
indirect enum TemplateValue: CustomStringConvertible {
  case string(String)
  case int(Int64)
  case double(Double)
  case bool(Bool)
  case array([TemplateValue])
  case object([(String, TemplateValue)])
  case null

  subscript(key: String) -> TemplateValue? {
    guard case .object(let fields) = self else { return nil }
    return fields.first { $0.0 == key }?.1
  }

  /// What `{{.X}}` prints: Go's fmt of the value.
  var description: String {
    switch self {
    case .string(let s): s
    case .int(let i): String(i)
    case .double(let d): d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
    case .bool(let b): b ? "true" : "false"
    case .array(let a): "[" + a.map(\.description).joined(separator: " ") + "]"
    case .object(let o): "map[" + o.map { "\($0.0):\($0.1.description)" }.joined(separator: " ") + "]"
    case .null: "<nil>"
    }
  }

  /// JSON with the key order kept (Foundation's encoder does not keep it on Linux), compact, or indented by four
  /// spaces as docker's inspect prints it; `<`, `>` and `&` escaped as Go's encoder does.
  func json(pretty: Bool = false) -> String {
    var out = ""
    write(into: &out, pretty: pretty, indent: 0)
    return out
  }

  private func write(into out: inout String, pretty: Bool, indent: Int) {
    let pad = pretty ? String(repeating: " ", count: (indent + 1) * 4) : ""
    let closePad = pretty ? String(repeating: " ", count: indent * 4) : ""
    let nl = pretty ? "\n" : ""
    switch self {
    case .string(let s): JSONString.append(s, escapingHTML: true, to: &out)
    case .int(let i): out += String(i)
    case .double(let d): out += d.isFinite ? String(d) : "null"
    case .bool(let b): out += b ? "true" : "false"
    case .null: out += "null"
    case .array(let a):
      if a.isEmpty {
        out += "[]"
        return
      }
      out += "[" + nl
      for (i, v) in a.enumerated() {
        out += pad
        v.write(into: &out, pretty: pretty, indent: indent + 1)
        out += (i < a.count - 1 ? "," : "") + nl
      }
      out += closePad + "]"
    case .object(let o):
      if o.isEmpty {
        out += "{}"
        return
      }
      out += "{" + nl
      for (i, (k, v)) in o.enumerated() {
        out += pad
        JSONString.append(k, escapingHTML: true, to: &out)
        out += pretty ? ": " : ":"
        v.write(into: &out, pretty: pretty, indent: indent + 1)
        out += (i < o.count - 1 ? "," : "") + nl
      }
      out += closePad + "}"
    }
  }

}
