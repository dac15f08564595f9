/// What `wait` waits for: docker's `--condition` / the API's `condition=` values.
public enum ContainerWaitCondition: String, Sendable, Equatable, CaseIterable {
  /// The container is not running: at once for a created or exited one (docker's default).
  case notRunning = "not-running"
  /// The container's next exit, a restart under its restart policy included.
  case nextExit = "next-exit"
  /// The container has been removed (with `autoRemove`, after its end; else after a `remove`).
  case removed
}
