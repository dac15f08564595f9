/// Test scripts that are executed right after they are written.
public enum ExecutableFile {
  /// Writes `text` to `path` with mode 0755 through a child process, so that no descriptor of this test process
  /// ever has the file open for writing. Suites run in parallel in one process: a fork made by another thread while
  /// such a descriptor is open keeps it open in the child until its exec, and an exec of the script in that window
  /// fails with ETXTBSY ("Text file busy", seen in a full run).
  public static func write(_ text: String, to path: String) throws {
    try Command.run(["sh", "-c", #"cat > "$0" && chmod 755 "$0""#, path], stdin: text)
  }
}
