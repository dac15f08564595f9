/// "Did you mean ...?" hints for misspelt instructions, flags and mount keys.
enum Suggest {
  static func distance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var prev = Array(0...b.count)
    var cur = prev
    for i in 1...a.count {
      cur[0] = i
      for j in 1...b.count {
        cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
      }
      swap(&prev, &cur)
    }
    return prev[b.count]
  }

  /// The closest option within a small edit distance (case-insensitive), if any.
  static func closest(_ value: String, in options: [String]) -> String? {
    guard !value.isEmpty, value.count < 64 else { return nil }
    let v = Array(value.lowercased())
    let limit = v.count <= 3 ? 1 : 2
    var best: (String, Int)?
    for o in options {
      let d = distance(v, Array(o.lowercased()))
      if d <= limit, d < (best?.1 ?? Int.max) { best = (o, d) }
    }
    return best?.0
  }
}
