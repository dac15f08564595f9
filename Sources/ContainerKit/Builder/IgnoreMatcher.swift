import Foundation

/// `.dockerignore` patterns as Docker's `patternmatcher` reads them: Go `filepath.Match` syntax plus `**`, `!` for
/// exceptions, the last matching pattern wins, and a pattern that matches a directory excludes everything below it.
///
/// Kept here, small and private to the builder, so that the context can be filtered before the parser's own matcher
/// is wired in; both follow the same rules.
struct IgnoreMatcher: Sendable {
  private struct Pattern: Sendable {
    var exclusion: Bool
    var regex: NSRegularExpression
    var text: String
  }
  private let patterns: [Pattern]

  var isEmpty: Bool { patterns.isEmpty }

  /// Parses the lines of a `.dockerignore` file (comments and blank lines skipped).
  init(dockerignore text: String) throws(BuildError) {
    let lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).map(String.init)
      .filter { !$0.hasPrefix("#") }
    try self.init(patterns: lines)
  }

  init(patterns raw: [String]) throws(BuildError) {
    var out: [Pattern] = []
    for line in raw {
      var p = line.trimmingCharacters(in: .whitespaces)
      if p.isEmpty { continue }
      var exclusion = false
      if p.hasPrefix("!") {
        exclusion = true
        p = String(p.dropFirst()).trimmingCharacters(in: .whitespaces)
      }
      p = Self.clean(p)
      if p.isEmpty || p == "." { continue }
      do {
        out.append(
          Pattern(
            exclusion: exclusion, regex: try NSRegularExpression(pattern: Self.regex(for: p)), text: line))
      } catch {
        throw .invalidInstruction(".dockerignore", reason: "bad pattern \"\(line)\"")
      }
    }
    patterns = out
  }

  /// Whether `path` (relative to the context, `/`-separated) is excluded.
  func excludes(_ path: String) -> Bool {
    let path = Self.clean(path)
    var parents: [String] = []
    var acc = ""
    for c in path.split(separator: "/").dropLast() {
      acc = acc.isEmpty ? String(c) : acc + "/" + c
      parents.append(acc)
    }
    var matched = false
    for p in patterns {
      if p.exclusion != matched { continue }
      if Self.matches(p.regex, path) || parents.contains(where: { Self.matches(p.regex, $0) }) {
        matched = !p.exclusion
      }
    }
    return matched
  }

  /// Whether an exception (`!pattern`) could re-include something below an excluded directory, so a walker must
  /// still descend into it.
  var hasExceptions: Bool { patterns.contains { $0.exclusion } }

  private static func matches(_ re: NSRegularExpression, _ s: String) -> Bool {
    re.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
  }

  /// `filepath.Clean`, with any leading `/` dropped: patterns and paths are relative to the context root.
  static func clean(_ p: String) -> String {
    var parts: [Substring] = []
    for c in p.split(separator: "/", omittingEmptySubsequences: true) {
      if c == "." { continue }
      if c == ".." {
        if !parts.isEmpty { parts.removeLast() }
        continue
      }
      parts.append(c)
    }
    return parts.joined(separator: "/")
  }

  /// Translates a pattern to an anchored regular expression, as `patternmatcher` does.
  static func regex(for pattern: String) -> String {
    var re = "^"
    let chars = Array(pattern)
    var i = 0
    while i < chars.count {
      let c = chars[i]
      switch c {
      case "*":
        if i + 1 < chars.count, chars[i + 1] == "*" {
          i += 1
          // `**/` matches zero or more directories; a trailing `**` anything.
          if i + 1 < chars.count, chars[i + 1] == "/" {
            i += 1
            re += "(.*/)?"
          } else {
            re += ".*"
          }
        } else {
          re += "[^/]*"
        }
      case "?": re += "[^/]"
      case "[":
        var j = i + 1
        var cls = "["
        if j < chars.count, chars[j] == "^" || chars[j] == "!" {
          cls += "^"
          j += 1
        }
        while j < chars.count, chars[j] != "]" {
          if chars[j] == "\\", j + 1 < chars.count {
            cls += "\\" + String(chars[j + 1])
            j += 2
            continue
          }
          cls += chars[j] == "[" ? "\\[" : String(chars[j])
          j += 1
        }
        if j < chars.count {
          re += cls + "]"
          i = j
        } else {
          re += "\\["
        }
      case "\\":
        if i + 1 < chars.count {
          re += NSRegularExpression.escapedPattern(for: String(chars[i + 1]))
          i += 1
        } else {
          re += "\\\\"
        }
      default:
        re += NSRegularExpression.escapedPattern(for: String(c))
      }
      i += 1
    }
    return re + "$"
  }
}
