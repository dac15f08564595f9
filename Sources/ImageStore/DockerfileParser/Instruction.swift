/// One typed Dockerfile instruction. Strings are as written (quotes, escapes and `$VAR` intact) except where the
/// instruction itself defines the form (exec-form arrays are already JSON-decoded); `StageExpander` produces the
/// expanded values a build uses.
public indirect enum Instruction: Sendable, Hashable {
  case from(From)
  case run(Run)
  case cmd(CommandForm)
  case label([KeyValue])
  case maintainer(String)
  case expose([String])
  case env([KeyValue])
  case add(Add)
  case copy(Copy)
  case entrypoint(CommandForm)
  case volume([String])
  case user(User)
  case workdir(String)
  case arg([ArgDeclaration])
  case onbuild(Onbuild)
  case stopSignal(String)
  case healthcheck(Healthcheck)
  case shell([String])

  /// The upper-case keyword.
  public var keyword: String {
    switch self {
    case .from: return "FROM"
    case .run: return "RUN"
    case .cmd: return "CMD"
    case .label: return "LABEL"
    case .maintainer: return "MAINTAINER"
    case .expose: return "EXPOSE"
    case .env: return "ENV"
    case .add: return "ADD"
    case .copy: return "COPY"
    case .entrypoint: return "ENTRYPOINT"
    case .volume: return "VOLUME"
    case .user: return "USER"
    case .workdir: return "WORKDIR"
    case .arg: return "ARG"
    case .onbuild: return "ONBUILD"
    case .stopSignal: return "STOPSIGNAL"
    case .healthcheck: return "HEALTHCHECK"
    case .shell: return "SHELL"
    }
  }
}

/// Exec form (`["a", "b"]`, run directly) or shell form (one string, run by the stage's SHELL).
public enum CommandForm: Sendable, Hashable {
  case exec([String])
  case shell(String)
}

/// `FROM [--platform=p] image [AS name]`.
public struct From: Sendable, Hashable {
  public var image: String
  /// Lower-cased stage name.
  public var name: String?
  public var platform: String?
}

/// `RUN [--mount=...] [--network=...] [--security=...] command`, with any heredocs that follow it.
public struct Run: Sendable, Hashable {
  public var command: CommandForm
  public var mounts: [RunMount] = []
  public var network: RunNetwork?
  public var security: SecurityMode?
  public var heredocs: [Heredoc] = []

  /// The heredoc BuildKit runs as a program file instead of through the shell: `RUN <<EOF` whose body starts with
  /// `#!` is written to a file and executed directly, so `#!/usr/bin/env python3` bodies work.
  public var scriptFile: Heredoc? {
    guard case .shell(let line) = command, heredocs.count == 1, let first = heredocs.first,
      (try? Heredoc.parse(word: GoText.trimSpace(line)))?.name == first.name,
      first.effectiveContent.hasPrefix("#!")
    else { return nil }
    return first
  }

  /// What the shell should run, BuildKit style: `RUN <<EOF` runs the body; `RUN cmd <<EOF` keeps the heredoc
  /// syntax for the shell, with each body and terminator appended. Nil for exec form.
  public var shellScript: String? {
    guard case .shell(let line) = command else { return nil }
    guard let first = heredocs.first else { return line }
    if heredocs.count == 1, (try? Heredoc.parse(word: GoText.trimSpace(line)))?.name == first.name {
      return first.effectiveContent
    }
    var script = line
    for h in heredocs { script += "\n" + h.content + h.name }
    return script
  }
}

/// `--network` of RUN. Not `NetworkMode`: ContainerNetwork has a public type of that name (a container's network),
/// and a program importing both (the engine, an embedder) would have to qualify every use.
public enum RunNetwork: String, Sendable, Hashable, CaseIterable {
  case `default`, none, host
}

/// `--security` of RUN.
public enum SecurityMode: String, Sendable, Hashable, CaseIterable {
  case sandbox, insecure
}

/// A `key=value` of ENV or LABEL; `legacy` for the old `KEY value` form.
public struct KeyValue: Sendable, Hashable {
  public var key: String
  public var value: String
  public var legacy: Bool

  public init(key: String, value: String, legacy: Bool = false) {
    self.key = key
    self.value = value
    self.legacy = legacy
  }
}

/// One name of an ARG instruction, with its default if given.
public struct ArgDeclaration: Sendable, Hashable {
  public var name: String
  public var defaultValue: String?
}

/// A source of ADD or COPY: a path (or URL, for ADD) or an inline heredoc file.
public enum Source: Sendable, Hashable {
  case path(String)
  case heredoc(Heredoc)
}

/// `COPY [flags] src... dest`.
public struct Copy: Sendable, Hashable {
  public var sources: [Source]
  public var destination: String
  public var from: String?
  public var chown: String?
  public var chmod: String?
  public var link: Bool = false
  public var parents: Bool = false
  public var excludes: [String] = []
}

/// `ADD [flags] src... dest`.
public struct Add: Sendable, Hashable {
  public var sources: [Source]
  public var destination: String
  public var chown: String?
  public var chmod: String?
  public var link: Bool = false
  public var keepGitDir: Bool = false
  public var checksum: String?
  public var unpack: Bool?
  public var excludes: [String] = []
}

/// `USER user[:group]`.
public struct User: Sendable, Hashable {
  public var user: String
  public var group: String?

  public var description: String { group.map { "\(user):\($0)" } ?? user }
}

extension User {
  /// `user[:group]` as written.
  public init(parsing s: String) {
    if let i = s.firstIndex(of: ":") {
      self.init(user: String(s[..<i]), group: String(s[s.index(after: i)...]))
    } else {
      self.init(user: s)
    }
  }
}

/// `ONBUILD trigger`: the trigger text (run when a child image builds FROM this one) and its typed form.
public struct Onbuild: Sendable, Hashable {
  /// The trigger as BuildKit records it in the image config (heredoc bodies appended).
  public var expression: String
  /// The typed trigger; nil when it only fails at the child's build (as BuildKit defers it).
  public var trigger: Instruction?
}

/// `HEALTHCHECK NONE` or `HEALTHCHECK [options] CMD command`.
public enum Healthcheck: Sendable, Hashable {
  case none
  case command(CommandForm, HealthcheckOptions)
}

/// HEALTHCHECK's options; nil means "not given" (the runtime default applies).
public struct HealthcheckOptions: Sendable, Hashable {
  public var interval: Duration?
  public var timeout: Duration?
  public var startPeriod: Duration?
  public var startInterval: Duration?
  public var retries: Int?
}

/// Where an instruction came from: 1-based first and last line.
public struct SourceRange: Sendable, Hashable {
  public var start: Int
  public var end: Int
}

/// An instruction with its lines and original text.
public struct Located<Value: Sendable & Hashable>: Sendable, Hashable {
  public var value: Value
  public var range: SourceRange
  public var original: String

  public init(_ value: Value, range: SourceRange, original: String = "") {
    self.value = value
    self.range = range
    self.original = original
  }
}
