/// Column alignment as docker's text/tabwriter setup does it (minwidth 10, padding 3, spaces): every column but the
/// last is padded to its widest cell plus three, and to at least ten.
struct Table {
  var header: [String]
  var rows: [[String]] = []

  init(_ header: [String]) { self.header = header }

  mutating func append(_ row: [String]) { rows.append(row) }

  func render(includeHeader: Bool = true) -> String {
    let all = (includeHeader && !header.isEmpty ? [header] : []) + rows
    guard let columns = all.map(\.count).max(), columns > 0 else { return "" }
    var widths = [Int](repeating: 0, count: columns)
    for r in all {
      for (i, c) in r.enumerated() { widths[i] = max(widths[i], max(c.count + 3, 10)) }
    }
    var out = ""
    for r in all {
      var line = ""
      for (i, c) in r.enumerated() {
        if i == r.count - 1 {
          line += c
        } else {
          line += c + String(repeating: " ", count: widths[i] - c.count)
        }
      }
      while line.hasSuffix(" ") { line.removeLast() }
      out += line + "\n"
    }
    return out
  }
}
