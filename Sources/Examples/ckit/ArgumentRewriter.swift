/// Turns docker's argument habits into what swift-argument-parser reads, before parsing:
///
/// - `-n=2` (a short option with `=`) becomes `-n 2`;
/// - for `run`, `create` and `exec`, a `--` goes before the first operand (the image or container), so that the
///   container's own command (`sh -c '...'`) is never read as ckit's options, as docker stops at the first operand.
enum ArgumentRewriter {
  /// Options of run/create/exec that take a value (the rest are flags).
  static let valued: Set<String> = [
    "-e", "--env", "--env-file", "-w", "--workdir", "-u", "--user", "--name", "-h", "--hostname", "-m", "--memory",
    "--cpus", "--cpu-shares", "-c", "--pids-limit", "-p", "--publish", "--expose", "-v", "--volume", "--tmpfs",
    "--network", "--net", "--entrypoint", "--restart", "--cap-add", "--cap-drop", "--log-opt", "--label", "-l",
    "--stop-signal", "--stop-timeout", "--platform", "--add-host", "--dns", "--mount", "--pull", "--detach-keys",
    "-a", "--attach", "--log-driver", "--runtime", "--root", "--security-opt",
  ]
  static let globalValued: Set<String> = ["--root", "--runtime", "-H", "--host", "--log-level", "-l", "--config"]

  static func commandName(_ args: [String]) -> String? {
    var i = 0
    while i < args.count {
      let a = args[i]
      if a.hasPrefix("-") {
        if globalValued.contains(a) { i += 1 }
        i += 1
        continue
      }
      return a
    }
    return nil
  }

  /// `ckit --root DIR COMMAND`: global options before the command are taken out here (argument-parser reads a
  /// command's options only after its name) and handed to every command through the environment.
  static func extractGlobals(_ input: [String]) -> (root: String?, rest: [String]) {
    var rest = [String]()
    var root: String? = nil
    var i = 0
    while i < input.count, input[i].hasPrefix("-") {
      let a = input[i]
      if a == "--root", i + 1 < input.count {
        root = input[i + 1]
        i += 2
      } else if a.hasPrefix("--root=") {
        root = String(a.dropFirst("--root=".count))
        i += 1
      } else {
        break
      }
    }
    rest += input[i...]
    return (root, rest)
  }

  static func rewrite(_ input: [String]) -> [String] {
    var args = [String]()
    for a in input {
      if a.count > 3, a.hasPrefix("-"), !a.hasPrefix("--"), a.dropFirst(2).first == "=" {
        args.append(String(a.prefix(2)))
        args.append(String(a.dropFirst(3)))
      } else {
        args.append(a)
      }
    }
    guard let name = commandName(args), ["run", "create", "exec"].contains(name),
      let start = args.firstIndex(of: name)
    else { return args }
    var i = start + 1
    while i < args.count {
      let a = args[i]
      if a == "--" { return args }
      if !a.hasPrefix("-") || a == "-" {
        args.insert("--", at: i)
        return args
      }
      if a.hasPrefix("--") {
        if !a.contains("="), valued.contains(a) { i += 1 }
      } else if a.count == 2 {
        if valued.contains(a) { i += 1 }
      } else if let first = a.dropFirst().first, !valued.contains("-\(first)"), let last = a.last,
        valued.contains("-\(last)")
      {
        // `-dp 80:80`: a cluster of flags ending in a valued option takes the next word. (`-p8080:80`, a value
        // glued to its option, takes nothing.)
        i += 1
      }
      i += 1
    }
    return args
  }
}
