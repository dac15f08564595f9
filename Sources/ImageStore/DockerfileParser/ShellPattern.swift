/// The patterns of `${VAR#p}`, `${VAR%p}` and `${VAR/p/r}`: `*` (any run), `?` (any character) and `\`-escaped
/// literals, without bracket expressions, as BuildKit supports them. Matched with a small NFA so that hostile
/// patterns stay polynomial.
struct ShellPattern {
  enum Token: Equatable {
    case star
    case any
    case literal(Unicode.Scalar)
  }

  let tokens: [Token]

  init(tokens: [Token]) {
    self.tokens = tokens
  }

  init(_ bytes: [UInt8]) throws(ShellLexError.Kind) {
    let scalars = Array(String(decoding: bytes, as: UTF8.self).unicodeScalars)
    var out: [Token] = []
    var i = 0
    while i < scalars.count {
      let c = scalars[i]
      i += 1
      switch c {
      case "*": out.append(.star)
      case "?": out.append(.any)
      case "\\":
        if i < scalars.count, scalars[i] == "}" || scalars[i] == "/" { continue }
        let next: Unicode.Scalar? = i < scalars.count ? scalars[i] : nil
        i += 1
        guard let next, next == "*" || next == "?" || next == "\\" else {
          let shown = next.map { String($0) } ?? "\u{FFFD}"
          throw .invalidPattern(String(decoding: bytes, as: UTF8.self), reason: "invalid escape '\\\(shown)'")
        }
        out.append(.literal(next))
      default: out.append(.literal(c))
      }
    }
    tokens = out
  }

  private func closure(_ set: inout [Bool]) {
    for i in 0..<tokens.count where set[i] && tokens[i] == .star { set[i + 1] = true }
  }

  /// End indexes (relative order preserved) where the pattern matches `v[start..<end]`; calls `found` for each,
  /// stopping when it returns false.
  private func scan(_ v: [Unicode.Scalar], from start: Int, _ found: (Int) -> Bool) {
    let m = tokens.count
    var cur = [Bool](repeating: false, count: m + 1)
    var next = cur
    cur[0] = true
    closure(&cur)
    if cur[m] && !found(start) { return }
    var e = start
    while e < v.count {
      let c = v[e]
      for k in 0...m { next[k] = false }
      var any = false
      for i in 0..<m where cur[i] {
        switch tokens[i] {
        case .star:
          next[i] = true
          any = true
        case .any:
          next[i + 1] = true
          any = true
        case .literal(let l):
          if l == c {
            next[i + 1] = true
            any = true
          }
        }
      }
      if !any { return }
      closure(&next)
      swap(&cur, &next)
      e += 1
      if cur[m] && !found(e) { return }
    }
  }

  private func prefixEnd(_ v: [Unicode.Scalar], from start: Int, longest: Bool) -> Int? {
    var result: Int?
    scan(v, from: start) { e in
      result = e
      return longest
    }
    return result
  }

  func trimPrefix(_ v: [Unicode.Scalar], greedy: Bool) -> [Unicode.Scalar] {
    guard let e = prefixEnd(v, from: 0, longest: greedy) else { return v }
    return Array(v[e...])
  }

  func trimSuffix(_ v: [Unicode.Scalar], greedy: Bool) -> [Unicode.Scalar] {
    let reversed = ShellPattern(tokens: tokens.reversed())
    let rv = Array(v.reversed())
    guard let e = reversed.prefixEnd(rv, from: 0, longest: greedy) else { return v }
    return Array(v[..<(v.count - e)])
  }

  /// Leftmost, longest match replaced; with `all`, every non-overlapping match (Go's ReplaceAll rules for empty
  /// matches). `nil` once the result has more than `limit` scalars, before building the rest.
  func replace(in v: [Unicode.Scalar], with rep: [Unicode.Scalar], all: Bool, limit: Int) -> [Unicode.Scalar]? {
    func find(from: Int) -> (Int, Int)? {
      var a = from
      while a <= v.count {
        if let e = prefixEnd(v, from: a, longest: true) { return (a, e) }
        a += 1
      }
      return nil
    }
    if !all {
      guard let (a, e) = find(from: 0) else { return v }
      return Array(v[..<a]) + rep + Array(v[e...])
    }
    var out: [Unicode.Scalar] = []
    var lastEnd = 0
    var search = 0
    while search <= v.count {
      guard let (a, e) = find(from: search) else { break }
      out.append(contentsOf: v[lastEnd..<a])
      if e > lastEnd || a == 0 { out.append(contentsOf: rep) }
      if out.count > limit { return nil }
      lastEnd = e
      if search + 1 > e { search += 1 } else { search = e }
    }
    if lastEnd < v.count { out.append(contentsOf: v[lastEnd...]) }
    return out
  }
}
