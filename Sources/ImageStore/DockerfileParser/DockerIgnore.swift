import Foundation

/// `.dockerignore` semantics (moby/patternmatcher): patterns relative to the context root, `*` and `?` never
/// cross `/`, `**` crosses any number of directories, `[...]` classes, `\` escapes, `!` re-includes, and the last
/// matching pattern wins. A path is also excluded when one of its parent directories matches.
public struct DockerIgnore: Sendable, Hashable {
  public struct Pattern: Sendable, Hashable {
    /// The cleaned pattern, without `!`.
    public var text: String
    public var exclusion: Bool
    fileprivate var matcher: GlobMatcher
  }

  public var patterns: [Pattern]

  /// Compiles patterns as given (the `PatternMatcher` rules: trimmed, `filepath.Clean`ed, `!` for exceptions).
  public init(patterns: [String]) throws(DockerIgnoreError) {
    self.patterns = []
    for raw in patterns {
      var p = GoText.trimSpace(raw)
      if p.isEmpty { continue }
      p = Self.clean(p)
      var exclusion = false
      if p.hasPrefix("!") {
        if p.count == 1 { throw DockerIgnoreError(pattern: raw, reason: "illegal exclusion pattern: \"!\"") }
        exclusion = true
        p.removeFirst()
      }
      guard let m = GlobMatcher(p) else { throw DockerIgnoreError(pattern: raw, reason: "syntax error in pattern") }
      self.patterns.append(Pattern(text: p, exclusion: exclusion, matcher: m))
    }
  }

  /// Parses `.dockerignore` text: `#` comment lines, blank lines, leading `/` dropped.
  public init(parsing contents: String) throws(DockerIgnoreError) {
    var lines: [String] = []
    var first = true
    for var line in contents.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
      if first, line.hasPrefix("\u{FEFF}") { line.removeFirst() }
      first = false
      if line.hasPrefix("#") { continue }
      var p = GoText.trimSpace(line)
      if p.isEmpty { continue }
      let invert = p.hasPrefix("!")
      if invert { p = GoText.trimSpace(String(p.dropFirst())) }
      if !p.isEmpty {
        p = Self.clean(p)
        if p.count > 1 && p.hasPrefix("/") { p.removeFirst() }
      }
      lines.append(invert ? "!" + p : p)
    }
    try self.init(patterns: lines)
  }

  /// Whether `path` (relative to the context root, `/`-separated) is excluded from the build context.
  public func matches(_ path: String) -> Bool {
    var file = Self.clean(path)
    while file.hasPrefix("/") { file.removeFirst() }
    if file == "." || file.isEmpty { return false }
    let comps = file.split(separator: "/").map(String.init)
    var matched = false
    for p in patterns {
      if p.exclusion != matched { continue }
      var match = p.matcher.matches(file)
      if !match && comps.count > 1 {
        var prefix = ""
        for c in comps.dropLast() {
          prefix = prefix.isEmpty ? c : prefix + "/" + c
          if p.matcher.matches(prefix) {
            match = true
            break
          }
        }
      }
      if match { matched = !p.exclusion }
    }
    return matched
  }

  /// The ignore file that applies: `<Dockerfile>.dockerignore` beside the Dockerfile wins over the context's
  /// `.dockerignore`. Nil when neither exists.
  public static func locate(contextDirectory: String, dockerfile: String? = nil) -> String? {
    let fm = FileManager.default
    if let dockerfile {
      let candidate = dockerfile + ".dockerignore"
      if fm.fileExists(atPath: candidate) { return candidate }
    }
    let root = (contextDirectory as NSString).appendingPathComponent(".dockerignore")
    return fm.fileExists(atPath: root) ? root : nil
  }

  /// Loads the applicable ignore file; an empty matcher when there is none.
  public static func load(contextDirectory: String, dockerfile: String? = nil) async throws -> DockerIgnore {
    guard let path = locate(contextDirectory: contextDirectory, dockerfile: dockerfile) else {
      return try DockerIgnore(patterns: [])
    }
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    return try DockerIgnore(parsing: String(decoding: data, as: UTF8.self))
  }

  /// Go's `filepath.Clean`.
  static func clean(_ path: String) -> String {
    if path.isEmpty { return "." }
    let rooted = path.hasPrefix("/")
    var out: [Substring] = []
    for c in path.split(separator: "/", omittingEmptySubsequences: true) {
      if c == "." { continue }
      if c == ".." {
        if let last = out.last, last != ".." {
          out.removeLast()
        } else if !rooted {
          out.append(c)
        }
        continue
      }
      out.append(c)
    }
    let joined = out.joined(separator: "/")
    if rooted { return "/" + joined }
    return joined.isEmpty ? "." : joined
  }
}

/// A pattern `DockerIgnore` could not compile.
public struct DockerIgnoreError: Error, Sendable, Hashable, CustomStringConvertible {
  public var pattern: String
  public var reason: String
  public var description: String { "invalid .dockerignore pattern \(GoText.quote(pattern)): \(reason)" }
}

/// One compiled pattern, matched with memoised backtracking (linear in pattern × path).
struct GlobMatcher: Sendable, Hashable {
  enum Token: Sendable, Hashable {
    case literal(Unicode.Scalar)
    case any
    case star
    /// `**` followed by more pattern: any number of whole directories, possibly none (`(.*/)?`).
    case dirs
    /// `**` at the end: anything.
    case rest
    case set(negated: Bool, ranges: [ClosedRange<UInt32>])
  }

  enum Kind: Sendable, Hashable { case exact, prefix, suffix, glob }

  var tokens: [Token] = []
  var kind: Kind = .exact
  var text: String

  init?(_ pattern: String) {
    text = pattern
    let s = Array(pattern.unicodeScalars)
    var i = 0
    var index = 0
    while i < s.count {
      let c = s[i]
      i += 1
      defer { index += 1 }
      switch c {
      case "*":
        if i < s.count, s[i] == "*" {
          i += 1
          if i < s.count, s[i] == "/" { i += 1 }
          if i == s.count {
            if kind == .exact { kind = .prefix } else { kind = .glob }
            tokens.append(.rest)
          } else {
            tokens.append(.dirs)
            kind = .glob
          }
          if index == 0 { kind = .suffix }
        } else {
          tokens.append(.star)
          kind = .glob
        }
      case "?":
        tokens.append(.any)
        kind = .glob
      case "\\":
        guard i < s.count else { return nil }
        tokens.append(.literal(s[i]))
        i += 1
        kind = .glob
      case "[":
        var negated = false
        if i < s.count, s[i] == "^" {
          negated = true
          i += 1
        }
        var ranges: [ClosedRange<UInt32>] = []
        var firstInClass = true
        while true {
          guard i < s.count else { return nil }
          if s[i] == "]" && !firstInClass {
            i += 1
            break
          }
          firstInClass = false
          func single() -> Unicode.Scalar? {
            guard i < s.count else { return nil }
            var ch = s[i]
            if ch == "\\" {
              i += 1
              guard i < s.count else { return nil }
              ch = s[i]
            }
            i += 1
            return ch
          }
          guard let lo = single() else { return nil }
          var hi = lo
          if i + 1 < s.count, s[i] == "-", s[i + 1] != "]" {
            i += 1
            guard let h = single() else { return nil }
            hi = h
          }
          guard lo.value <= hi.value else { return nil }
          ranges.append(lo.value...hi.value)
        }
        tokens.append(.set(negated: negated, ranges: ranges))
        kind = .glob
      default:
        tokens.append(.literal(c))
      }
    }
  }

  func matches(_ path: String) -> Bool {
    switch kind {
    case .exact:
      return path == text
    case .prefix:
      return path.hasPrefix(String(text.dropLast(2)))
    case .suffix:
      let suffix = String(text.dropFirst(2))
      if path.hasSuffix(suffix) { return true }
      return suffix.hasPrefix("/") && path == suffix.dropFirst()
    default:
      return globMatch(Array(path.unicodeScalars))
    }
  }

  private func globMatch(_ p: [Unicode.Scalar]) -> Bool {
    let m = tokens.count
    let n = p.count
    // memo[t][i] for wildcard positions: 0 unknown, 1 false, 2 true. Recursion depth is bounded by the number
    // of wildcards in the pattern, never by the path length.
    var memo = [UInt8](repeating: 0, count: (m + 1) * (n + 1))
    func go(_ t0: Int, _ i0: Int) -> Bool {
      var t = t0
      var i = i0
      while t < m {
        switch tokens[t] {
        case .literal(let c):
          guard i < n, p[i] == c else { return false }
        case .any:
          guard i < n, p[i] != "/" else { return false }
        case .set(let neg, let ranges):
          guard i < n else { return false }
          let inSet = ranges.contains { $0.contains(p[i].value) }
          guard inSet != neg else { return false }
        case .star, .rest, .dirs:
          let key = t * (n + 1) + i
          if memo[key] != 0 { return memo[key] == 2 }
          var r = false
          switch tokens[t] {
          case .star, .rest:
            // The rest of the pattern from each place on; `*` stops at the next separator, `**` at the end.
            let stopsAtSlash = tokens[t] == .star
            var k = i
            while k <= n {
              if go(t + 1, k) {
                r = true
                break
              }
              if k == n || (stopsAtSlash && p[k] == "/") { break }
              k += 1
            }
          default:
            if go(t + 1, i) {
              r = true
            } else {
              var k = i
              while k < n {
                if p[k] == "/" && go(t + 1, k + 1) {
                  r = true
                  break
                }
                k += 1
              }
            }
          }
          memo[key] = r ? 2 : 1
          return r
        }
        t += 1
        i += 1
      }
      return i == n
    }
    return go(0, 0)
  }
}
