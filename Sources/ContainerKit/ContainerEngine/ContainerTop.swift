/// A container's processes as Docker's `top` lists them: column titles and one row of strings per process.
public struct ContainerTop: Sendable, Equatable {
  /// The column titles (`UID`, `PID`, `PPID`, ... for the default listing; `ps`'s own with `psArgs`).
  public var titles: [String]
  /// One row per process, a value per title.
  public var processes: [[String]]

  /// A listing of `processes` under `titles`.
  public init(titles: [String], processes: [[String]]) {
    self.titles = titles
    self.processes = processes
  }
}
