/// How docker spells a short reference in messages: `busybox` is `busybox:latest`.
package enum ImageReferenceText {
  /// Docker's reference grammar in short: lowercase repository components, an optional tag or digest.
  package static func validate(_ ref: String) throws {
    var rest = Substring(ref)
    if let at = rest.firstIndex(of: "@") {
      let digest = rest[rest.index(after: at)...]
      guard digest.hasPrefix("sha256:"), digest.count == 71, digest.dropFirst(7).allSatisfy(\.isHexDigit) else {
        throw EngineError.invalidArgument("invalid reference format")
      }
      rest = rest[..<at]
    }
    let slash = rest.lastIndex(of: "/") ?? rest.startIndex
    if let colon = rest[slash...].lastIndex(of: ":") {
      let tag = rest[rest.index(after: colon)...]
      guard !tag.isEmpty, tag.count <= 128,
        tag.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) }),
        tag.first != ".", tag.first != "-"
      else { throw EngineError.invalidArgument("invalid reference format") }
      rest = rest[..<colon]
    }
    let components = rest.split(separator: "/", omittingEmptySubsequences: false)
    guard !rest.isEmpty else { throw EngineError.invalidArgument("invalid reference format") }
    for (i, c) in components.enumerated() {
      // The first component may be a registry host (with a port, dots or capitals).
      if i == 0, components.count > 1, c.contains(".") || c.contains(":") || c == "localhost" { continue }
      guard let first = c.first, first.isLowercase || first.isNumber,
        c.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || "._-".contains($0)) })
      else {
        if c.contains(where: \.isUppercase) {
          throw EngineError.invalidArgument("invalid reference format: repository name (\(rest)) must be lowercase")
        }
        throw EngineError.invalidArgument("invalid reference format")
      }
    }
  }
}
