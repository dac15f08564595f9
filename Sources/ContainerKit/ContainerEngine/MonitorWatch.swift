import LinuxSystem

/// Waits for a monitor process to end without polling and without a thread: its pidfd (readable when it exits,
/// whether or not it is our child, and not fooled by a reused pid) is watched by LinuxSystem's exit watcher.
enum MonitorWatch {
  /// Whether `pid` ended within `timeout` seconds (nil: no limit). A pid already gone counts as ended.
  static func waitForExit(_ pid: Int32, timeout: Double?) async -> Bool {
    await ProcessExit(pid: pid, reaps: false).ended(within: timeout.map { .milliseconds(Int64(max(0, $0 * 1000))) })
  }
}
