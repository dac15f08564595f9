/// What `ContainerEngine.createExec` runs in a running container, Docker's exec config: the command, its
/// environment, user and working directory, and how its stdio joins the session that starts it.
public struct ExecConfig: Sendable, Equatable {
  /// The program and its arguments (Docker's `Cmd`).
  public var command: [String]
  /// `NAME=value` added to the container's environment.
  public var environment: [String]
  /// A user of the container (`name`, `uid`, `name:group`, `uid:gid`); nil: the container's.
  public var user: String?
  /// nil: the container's working directory.
  public var workingDirectory: String?
  /// A terminal for the process (a pty from the container's devpts): one output stream, resizable.
  public var tty: Bool
  /// Whether the session's `write` reaches the process's stdin; without, the process reads /dev/null.
  public var attachStdin: Bool
  /// Docker's `--detach-keys` for the session (`ctrl-p,ctrl-q` when nil).
  public var detachKeys: String?
  /// The size of the tty from the start (Docker's `ConsoleSize`), before the process can ask for it; nil: 24x80.
  public var consoleSize: TerminalSize?

  /// A config for `command`; the rest as Docker defaults it.
  public init(
    command: [String], environment: [String] = [], user: String? = nil, workingDirectory: String? = nil,
    tty: Bool = false, attachStdin: Bool = false, detachKeys: String? = nil, consoleSize: TerminalSize? = nil
  ) {
    self.command = command
    self.environment = environment
    self.user = user
    self.workingDirectory = workingDirectory
    self.tty = tty
    self.attachStdin = attachStdin
    self.detachKeys = detachKeys
    self.consoleSize = consoleSize
  }
}
