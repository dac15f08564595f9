import Foundation

/// The window of a negative check ("frozen, its counter does not move"), measured by a control process instead of
/// a fixed sleep.
///
/// After a fixed sleep, "the frozen process wrote nothing" can pass by mistake: on a loaded machine the sleep ends
/// before an unfrozen process would have been scheduled at all. The control runs the same kind of loop (a shell
/// that ticks, then sleeps) outside the freeze; once it has ticked `ticks` times, processes like the frozen one
/// have had their turns, and the frozen one's unchanged counter is a result that could have failed.
public enum ControlTicker {
  /// Runs a host shell that ticks every `interval` seconds and returns once it has ticked `ticks` times: true, or
  /// false if it did not within `timeout`.
  public static func waitForTicks(
    _ ticks: Int = 10, interval: String = "0.02", timeout: Duration = defaultDeadline
  ) async throws -> Bool {
    let control = try BackgroundCommand(["sh", "-c", "while :; do echo; sleep \(interval); done"])
    defer { control.stop(signal: SIGKILL) }
    return try await control.waitForOutput(timeout: timeout) { $0.utf8.count >= ticks }
  }
}
