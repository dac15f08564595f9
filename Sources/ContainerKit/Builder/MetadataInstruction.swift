import DockerfileParser
import OCI

/// An instruction that changes only the image config, never a file: each is a pure function from one
/// `ImageConfiguration` to the next, so the builder (and its tests) can apply them without a container.
public enum MetadataInstruction: Hashable, Sendable {
  case env([KeyValue])
  case label([KeyValue])
  /// MAINTAINER: the image's `author`.
  case maintainer(String)
  /// EXPOSE: `80`, `80/udp`, `8000-8002/tcp`.
  case expose([String])
  case cmd(CommandForm)
  case entrypoint(CommandForm)
  case user(String)
  case workdir(String)
  case volume([String])
  case stopSignal(String)
  case healthcheck(Healthcheck)
  /// SHELL: exec form only.
  case shell([String])
  /// ONBUILD: the trigger as written (`RUN echo hi`), run when another build uses this image as a base.
  case onBuild(String)
  /// ARG: no config effect; kept so that every instruction has a history entry as in the classic builder.
  case arg([KeyValue])

  /// The config after this instruction. `cmdSetInStage` tells whether this stage already ran CMD: an ENTRYPOINT
  /// resets only an inherited CMD (Docker's rule), never one the same stage set before it.
  public func applied(to image: ImageConfiguration, cmdSetInStage: Bool = false) throws(BuildError)
    -> ImageConfiguration
  {
    var image = image
    var c = image.config ?? ImageConfiguration.ContainerConfig()
    switch self {
    case .env(let pairs):
      var env = c.env ?? []
      for p in pairs {
        let entry = "\(p.key)=\(p.value)"
        if let i = env.firstIndex(where: { $0.split(separator: "=", maxSplits: 1).first.map(String.init) == p.key }) {
          env[i] = entry
        } else {
          env.append(entry)
        }
      }
      c.env = env
    case .label(let pairs):
      var labels = c.labels ?? [:]
      for p in pairs { labels[p.key] = p.value }
      c.labels = labels
    case .maintainer(let m):
      image.author = m
    case .expose(let ports):
      var exposed = c.exposedPorts ?? [:]
      for p in ports { for key in try Self.expandPort(p) { exposed[key] = EmptyObject() } }
      c.exposedPorts = exposed
    case .cmd(let form):
      c.cmd = form.argv(shell: c.shell ?? Self.defaultShell)
    case .entrypoint(let form):
      switch form {
      case .exec(let a): c.entrypoint = a.isEmpty ? nil : a
      case .shell(let s): c.entrypoint = s.isEmpty ? nil : (c.shell ?? Self.defaultShell) + [s]
      }
      if !cmdSetInStage { c.cmd = nil }
    case .user(let u):
      c.user = u
    case .workdir(let w):
      c.workingDir = Self.resolveWorkdir(w, current: c.workingDir)
    case .volume(let vols):
      guard !vols.isEmpty, vols.allSatisfy({ !$0.isEmpty }) else {
        throw .invalidInstruction("VOLUME", reason: "VOLUME specified can not be an empty string")
      }
      var v = c.volumes ?? [:]
      for p in vols { v[p] = EmptyObject() }
      c.volumes = v
    case .stopSignal(let s):
      guard Self.isValidSignal(s) else { throw .invalidInstruction("STOPSIGNAL", reason: "invalid signal \"\(s)\"") }
      c.stopSignal = s
    case .healthcheck(let h):
      c.healthcheck = h.configuration
    case .shell(let argv):
      guard !argv.isEmpty else { throw .invalidInstruction("SHELL", reason: "requires at least one argument") }
      c.shell = argv
    case .onBuild(let trigger):
      let word = trigger.split(separator: " ", maxSplits: 1).first.map { $0.uppercased() } ?? ""
      guard !["ONBUILD", "FROM", "MAINTAINER"].contains(word) else {
        throw .invalidInstruction("ONBUILD", reason: "\(word) isn't allowed as an ONBUILD trigger")
      }
      c.onBuild = (c.onBuild ?? []) + [trigger]
    case .arg:
      break
    }
    image.config = c
    return image
  }

  /// The text Docker writes in `created_by` for this instruction, after `/bin/sh -c #(nop) `.
  public var historyText: String {
    switch self {
    case .env(let p): "ENV " + p.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    case .label(let p): "LABEL " + p.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    case .maintainer(let m): "MAINTAINER \(m)"
    case .expose(let p): "EXPOSE " + p.joined(separator: " ")
    case .cmd(let f): "CMD \(Self.historyForm(f))"
    case .entrypoint(let f): "ENTRYPOINT \(Self.historyForm(f))"
    case .user(let u): "USER \(u)"
    case .workdir(let w): "WORKDIR \(w)"
    case .volume(let v): "VOLUME [" + v.joined(separator: " ") + "]"
    case .stopSignal(let s): "STOPSIGNAL \(s)"
    case .healthcheck(.none): "HEALTHCHECK NONE"
    case .healthcheck(.command(let f, _)): "HEALTHCHECK \(Self.historyForm(f))"
    case .shell(let s): "SHELL [" + s.joined(separator: " ") + "]"
    case .onBuild(let t): "ONBUILD \(t)"
    case .arg(let p): "ARG " + p.map { $0.value.isEmpty ? $0.key : "\($0.key)=\($0.value)" }.joined(separator: " ")
    }
  }

  private static func historyForm(_ f: CommandForm) -> String {
    switch f {
    case .exec: f.text
    case .shell(let s): CommandForm.exec(["/bin/sh", "-c", s]).text
    }
  }

  public static let defaultShell = ["/bin/sh", "-c"]

  /// WORKDIR: relative paths join the current one; the result is cleaned (`/a/b/../c` is `/a/c`).
  public static func resolveWorkdir(_ w: String, current: String?) -> String {
    let joined = w.hasPrefix("/") ? w : (current ?? "/") + "/" + w
    return "/" + ScopedPath.clean(joined)
  }

  /// `80` -> `80/tcp`; `8000-8001/udp` -> both ports; protocols tcp, udp, sctp.
  static func expandPort(_ p: String) throws(BuildError) -> [String] {
    let parts = p.split(separator: "/", maxSplits: 1).map(String.init)
    let proto = parts.count == 2 ? parts[1].lowercased() : "tcp"
    guard !parts.isEmpty, ["tcp", "udp", "sctp"].contains(proto) else {
      throw .invalidInstruction("EXPOSE", reason: "invalid port \"\(p)\"")
    }
    let range = parts[0].split(separator: "-", maxSplits: 1).map(String.init)
    guard let lo = Int(range[0]), (1...65535).contains(lo) else {
      throw .invalidInstruction("EXPOSE", reason: "invalid port \"\(p)\"")
    }
    var hi = lo
    if range.count == 2 {
      guard let h = Int(range[1]), (lo...65535).contains(h) else {
        throw .invalidInstruction("EXPOSE", reason: "invalid port range \"\(p)\"")
      }
      hi = h
    }
    return (lo...hi).map { "\($0)/\(proto)" }
  }

  static let signalNames: Set<String> = [
    "ABRT", "ALRM", "BUS", "CHLD", "CLD", "CONT", "FPE", "HUP", "ILL", "INT", "IO", "IOT", "KILL", "PIPE", "POLL",
    "PROF", "PWR", "QUIT", "SEGV", "STKFLT", "STOP", "SYS", "TERM", "TRAP", "TSTP", "TTIN", "TTOU", "URG", "USR1",
    "USR2", "VTALRM", "WINCH", "XCPU", "XFSZ", "RTMIN", "RTMAX",
  ]

  /// Docker's `signal.ParseSignal`: a number, or a name with or without `SIG` (`RTMIN+3` included).
  static func isValidSignal(_ s: String) -> Bool {
    if let n = Int(s) { return n > 0 && n < 65 }
    var name = s.uppercased()
    if name.hasPrefix("SIG") { name = String(name.dropFirst(3)) }
    if let plus = name.firstIndex(where: { $0 == "+" || $0 == "-" }), name.hasPrefix("RT") {
      return ["RTMIN", "RTMAX"].contains(String(name[..<plus])) && Int(name[name.index(after: plus)...]) != nil
    }
    return signalNames.contains(name)
  }
}

extension MetadataInstruction {
  /// The config change of a typed, expanded instruction; nil for the instructions that run or copy (and FROM).
  init?(_ instruction: Instruction) {
    switch instruction {
    case .env(let p): self = .env(p)
    case .label(let p): self = .label(p)
    case .maintainer(let m): self = .maintainer(m)
    case .expose(let p): self = .expose(p)
    case .cmd(let f): self = .cmd(f)
    case .entrypoint(let f): self = .entrypoint(f)
    case .user(let u): self = .user(u.description)
    case .workdir(let w): self = .workdir(w)
    case .volume(let v): self = .volume(v)
    case .stopSignal(let s): self = .stopSignal(s)
    case .healthcheck(let h): self = .healthcheck(h)
    case .shell(let a): self = .shell(a)
    case .onbuild(let o): self = .onBuild(o.expression)
    // The step is the line as written (Docker's classic builder commits `ARG V=default`), so another
    // `--build-arg` value reuses it; the RUN steps that can read the value are keyed by it.
    case .arg(let d): self = .arg(d.map { KeyValue(key: $0.name, value: $0.defaultValue ?? "") })
    case .from, .run, .copy, .add: return nil
    }
  }
}
