/// The input side of an attached session, for the two kinds of process an `AttachSession` talks to: a container's
/// init through its monitor's attach socket (`MonitorChannel`), an exec through the pipes or pty the engine gave
/// its runtime (`PipeChannel`). Each call may block (a full pipe or socket): `AttachSession` makes them on a
/// thread of its own, never on the concurrency pool.
protocol SessionChannel: Sendable {
  /// Writes all of `bytes` to the process's stdin (or terminal).
  func send(_ bytes: [UInt8]) throws(EngineError)
  /// The end of the input: the process reads EOF (for a tty, the line discipline's end-of-file character).
  func closeInput()
  /// Sets the terminal's size; the process gets SIGWINCH.
  func resize(rows: UInt16, columns: UInt16) throws(EngineError)
  /// Stops the output: the session's frames end without the process ending.
  func detach()
}
