import FoundationEssentials

extension Spec {
  /// Decodes a bundle's `config.json`; the error names the field that is malformed.
  public static func decode(_ data: Data) throws(OCIError) -> Spec {
    try SpecJSON.decode(Spec.self, from: data, what: "config.json")
  }

  /// Checks what the runtime relies on, before anything is created, so a bad config fails with the field's name
  /// instead of half way through container setup.
  public func validate() throws(SpecError) {
    // "MUST be in SemVer v2.0.0 format" (config.md): an invalid value is an error, not a guess.
    guard Self.isSemVer(ociVersion) else {
      throw .invalidField("ociVersion", reason: "\"\(ociVersion)\" is not a SemVer 2.0.0 version")
    }
    guard let process else { throw .invalidField("process", reason: "missing") }
    guard let args = process.args, !args.isEmpty else {
      throw .invalidField("process.args", reason: "must not be empty")
    }
    guard process.cwd.hasPrefix("/") else {
      throw .invalidField("process.cwd", reason: "must be an absolute path, got \"\(process.cwd)\"")
    }
    guard let root, !root.path.isEmpty else { throw .invalidField("root.path", reason: "missing") }
    for (i, m) in (mounts ?? []).enumerated() where !m.destination.hasPrefix("/") {
      throw .invalidField("mounts[\(i)].destination", reason: "must be absolute, got \"\(m.destination)\"")
    }
    for (i, e) in (process.env ?? []).enumerated() where !e.contains("=") {
      throw .invalidField("process.env[\(i)]", reason: "\"\(e)\" is not KEY=VALUE")
    }
    for (i, r) in (process.rlimits ?? []).enumerated() where r.soft > r.hard {
      throw .invalidField("process.rlimits[\(i)]", reason: "soft limit above hard limit")
    }
    let types = (linux?.namespaces ?? []).map(\.type)
    if Set(types).count != types.count {
      throw .invalidField("linux.namespaces", reason: "a namespace type appears twice")
    }
    if types.contains(.user), linux?.uidMappings?.isEmpty ?? true,
      !(linux?.namespaces ?? []).contains(where: {
        $0.type == .user && $0.path != nil
      })
    {
      throw .invalidField("linux.uidMappings", reason: "a new user namespace needs uid mappings")
    }
    if let hostname, !hostname.isEmpty, !types.contains(.uts) {
      throw .invalidField("hostname", reason: "setting a hostname needs a uts namespace")
    }
    try hooks?.validate()
  }
}

extension Spec {
  /// `MAJOR.MINOR.PATCH`, numbers without leading zeros, then an optional `-pre.release` and `+build` of
  /// alphanumerics, dots and hyphens (SemVer 2.0.0).
  static func isSemVer(_ version: String) -> Bool {
    var rest = Substring(version)
    var suffix: Substring = ""
    if let cut = rest.firstIndex(where: { $0 == "-" || $0 == "+" }) {
      suffix = rest[cut...]
      rest = rest[..<cut]
    }
    let core = rest.split(separator: ".", omittingEmptySubsequences: false)
    let numeric = core.allSatisfy { n in
      !n.isEmpty && n.allSatisfy(\.isASCII) && n.allSatisfy(\.isNumber) && (n == "0" || n.first != "0")
    }
    guard core.count == 3, numeric else { return false }
    guard !suffix.isEmpty else { return true }
    // Each identifier after "-" or "+" is non-empty and made of [0-9A-Za-z-].
    let identifiers = suffix.dropFirst().split(
      omittingEmptySubsequences: false, whereSeparator: { $0 == "." || $0 == "+" })
    return identifiers.allSatisfy { id in
      !id.isEmpty && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
    }
  }
}

extension Spec.Hooks {
  /// The spec's two rules for a hook: an absolute path (createContainer's would otherwise resolve against whatever
  /// directory the runtime was started in) and a timeout above zero (0 would mean "no limit" to the child's hooks
  /// and "already late" to the runtime's).
  public func validate() throws(SpecError) {
    let lists: [(String, [Spec.Hook]?)] = [
      ("prestart", prestart), ("createRuntime", createRuntime), ("createContainer", createContainer),
      ("startContainer", startContainer), ("poststart", poststart), ("poststop", poststop),
    ]
    for (name, list) in lists {
      for (i, hook) in (list ?? []).enumerated() {
        guard hook.path.hasPrefix("/") else {
          throw .invalidField("hooks.\(name)[\(i)].path", reason: "must be absolute, got \"\(hook.path)\"")
        }
        if let timeout = hook.timeout, timeout <= 0 {
          throw .invalidField("hooks.\(name)[\(i)].timeout", reason: "must be positive, got \(timeout)")
        }
      }
    }
  }
}
