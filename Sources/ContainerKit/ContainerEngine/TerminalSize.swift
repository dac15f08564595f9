/// A terminal's size in character cells, for a process's pty from its start (Docker's `ConsoleSize`) and for
/// `AttachSession.resize`.
public struct TerminalSize: Sendable, Equatable {
  /// Lines.
  public var rows: UInt16
  /// Columns.
  public var columns: UInt16

  /// `rows` by `columns`.
  public init(rows: UInt16, columns: UInt16) {
    self.rows = rows
    self.columns = columns
  }
}
