import Foundation

/// Waiting for an effect instead of sleeping for it.
///
/// CI runs every test at once in one process on two cores, so a fixed sleep ("after 300 ms the counter moved",
/// "within 2 s the log has the line") is too short somewhere, some day. A test waits for the effect itself, with a
/// deadline long enough that only a real failure reaches it, and asserts what the wait returns
/// (`#expect(try await eventually { ... })`): a deadline that passes is a failing expectation, never a pass.
///
/// The default of 20 s costs nothing when the condition holds (the wait ends at the first poll that sees it) and
/// is far beyond anything a working machine takes, loaded or not.
public let defaultDeadline: Duration = .seconds(20)

/// Polls `condition` every `interval` until it holds (true) or `timeout` has passed (false).
public func eventually(
  timeout: Duration = defaultDeadline, every interval: Duration = .milliseconds(20),
  _ condition: () async throws -> Bool
) async throws -> Bool {
  try await eventuallyValue(timeout: timeout, every: interval) { try await condition() ? true : nil } ?? false
}

/// Polls `probe` every `interval` until it returns a value, which is returned; nil once `timeout` has passed.
///
/// The probe runs once more after any sleep before the deadline is checked: under load a suspended test can wait
/// tens of seconds for a thread of the concurrency pool, and an effect that came meanwhile must still count.
public func eventuallyValue<T>(
  timeout: Duration = defaultDeadline, every interval: Duration = .milliseconds(20),
  _ probe: () async throws -> T?
) async throws -> T? {
  let clock = ContinuousClock()
  let deadline = clock.now + timeout
  while true {
    if let value = try await probe() { return value }
    if clock.now >= deadline { return nil }
    try await Task.sleep(for: interval)
  }
}

/// `eventually` for synchronous code that may block its thread (fixtures outside any task).
public func eventuallyBlocking(
  timeout: Duration = defaultDeadline, every interval: Duration = .milliseconds(20), _ condition: () throws -> Bool
) rethrows -> Bool {
  let clock = ContinuousClock()
  let deadline = clock.now + timeout
  let micros = UInt32(interval.components.seconds * 1_000_000 + interval.components.attoseconds / 1_000_000_000_000)
  while true {
    if try condition() { return true }
    if clock.now >= deadline { return false }
    usleep(micros)
  }
}
