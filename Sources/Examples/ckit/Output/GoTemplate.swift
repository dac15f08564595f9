import Foundation

/// The subset of Go's text/template that docker's `--format` users write: field paths (`{{.ID}}`,
/// `{{.State.Status}}`), `{{json .}}`, `{{upper .X}}`, `{{lower .X}}`, `{{title .X}}`, `{{join .X ","}}`,
/// `{{truncate .X 12}}`, `{{println}}`, the `table` prefix, and the `json` shorthand. Anything else is a clear
/// error naming the action, never a silent wrong answer.
struct GoTemplate {
  enum Node: Equatable {
    case text(String)
    case action(function: String?, path: [String], args: [String])
  }

  let nodes: [Node]
  /// `table ...`: print a header row built from the field names and align columns.
  let isTable: Bool
  /// `json`: one JSON object per line.
  let isJSON: Bool

  init(_ source: String) throws {
    var s = source.replacingOccurrences(of: "\\t", with: "\t").replacingOccurrences(of: "\\n", with: "\n")
    if s == "json" {
      isJSON = true
      isTable = false
      nodes = []
      return
    }
    isJSON = false
    if s.hasPrefix("table") {
      isTable = true
      s = String(s.dropFirst(5)).trimmingCharacters(in: .whitespaces)
    } else {
      isTable = false
    }
    var nodes = [Node]()
    var rest = Substring(s)
    while let open = rest.range(of: "{{") {
      if open.lowerBound > rest.startIndex { nodes.append(.text(String(rest[..<open.lowerBound]))) }
      guard let close = rest[open.upperBound...].range(of: "}}") else {
        throw CkitError.invalidArgument("template parsing error: unclosed action in \"\(source)\"")
      }
      var body = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
      if body.hasPrefix("-") { body = String(body.dropFirst()).trimmingCharacters(in: .whitespaces) }
      if body.hasSuffix("-") { body = String(body.dropLast()).trimmingCharacters(in: .whitespaces) }
      nodes.append(try Self.parseAction(body, source: source))
      rest = rest[close.upperBound...]
    }
    if !rest.isEmpty { nodes.append(.text(String(rest))) }
    self.nodes = nodes
  }

  static let functions: Set<String> = ["json", "upper", "lower", "title", "join", "truncate", "println", "pad"]

  static func parseAction(_ body: String, source: String) throws -> Node {
    let words = tokenize(body)
    guard let first = words.first else { throw CkitError.invalidArgument("template: empty action in \"\(source)\"") }
    if first.hasPrefix(".") {
      guard words.count == 1 else {
        throw CkitError.invalidArgument("template: can't give argument to non-function \(first)")
      }
      return .action(function: nil, path: pathOf(first), args: [])
    }
    guard functions.contains(first) else {
      throw CkitError.invalidArgument("template: function \"\(first)\" not defined")
    }
    if first == "println" { return .action(function: first, path: words.count > 1 ? pathOf(words[1]) : [], args: []) }
    guard words.count >= 2, words[1].hasPrefix(".") else {
      throw CkitError.invalidArgument("template: \(first) needs a field argument in \"\(source)\"")
    }
    return .action(function: first, path: pathOf(words[1]), args: Array(words.dropFirst(2)))
  }

  static func pathOf(_ word: String) -> [String] {
    word == "." ? [] : word.dropFirst().split(separator: ".").map(String.init)
  }

  static func tokenize(_ s: String) -> [String] {
    var words = [String]()
    var cur = ""
    var quote: Character? = nil
    for c in s {
      if let q = quote {
        if c == q { quote = nil } else { cur.append(c) }
      } else if c == "\"" || c == "`" {
        quote = c
      } else if c == " " {
        if !cur.isEmpty { words.append(cur) }
        cur = ""
      } else {
        cur.append(c)
      }
    }
    if !cur.isEmpty { words.append(cur) }
    return words
  }

  /// The header a `table` template prints: docker's column titles for known fields, else the field name.
  func header(titles: [String: String]) -> String {
    nodes.map { node in
      switch node {
      case .text(let t): t
      case .action(_, let path, _): titles[path.last ?? ""] ?? (path.last ?? "").uppercased()
      }
    }.joined()
  }

  func render(_ value: TemplateValue) throws -> String {
    if isJSON { return value.json() }
    var out = ""
    for node in nodes {
      switch node {
      case .text(let t): out += t
      case .action(let function, let path, let args):
        var v = value
        for key in path {
          guard let next = v[key] else {
            throw CkitError.invalidArgument("template: can't evaluate field \(key)")
          }
          v = next
        }
        switch function {
        case nil: out += v.description
        case "json": out += v.json()
        case "upper": out += v.description.uppercased()
        case "lower": out += v.description.lowercased()
        case "title": out += v.description.capitalized
        case "println": out += (path.isEmpty ? "" : v.description) + "\n"
        case "join":
          let sep = args.first ?? ""
          if case .array(let items) = v {
            out += items.map(\.description).joined(separator: sep)
          } else {
            out += v.description
          }
        case "truncate":
          let n = Int(args.first ?? "") ?? Int.max
          out += String(v.description.prefix(n))
        case "pad":
          let l = Int(args.first ?? "") ?? 0
          let r = Int(args.dropFirst().first ?? "") ?? 0
          out += String(repeating: " ", count: l) + v.description + String(repeating: " ", count: r)
        default: break
        }
      }
    }
    return out
  }

  /// Renders every item: `table` aligns columns under a header, `json` prints a line each, plain templates a line
  /// each.
  func render(_ items: [TemplateValue], titles: [String: String]) throws -> String {
    if isTable {
      var t = Table(header(titles: titles).components(separatedBy: "\t"))
      for item in items { t.append(try render(item).components(separatedBy: "\t")) }
      return t.render()
    }
    return try items.map { try render($0) + "\n" }.joined()
  }
}
