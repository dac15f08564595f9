extension CommandResult {
  /// Whether the command failed (a status other than 0) saying `message` on its stderr: how a refusal is expected
  /// to look, in one condition so that a test's message can show the stderr beside it.
  public func failed(saying message: String) -> Bool { status != 0 && stderr.contains(message) }
}
