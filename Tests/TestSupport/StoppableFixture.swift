/// A fixture that holds processes or files until `stop()`: the registries a test starts.
public protocol StoppableFixture: Sendable {
  /// Stops its processes and removes its files; calling it again does nothing more.
  func stop()
}

/// Runs `body` with `fixture`, stopped afterwards even when `body` throws: the end of a test does not wait for the
/// fixture's release.
public func withFixture<Fixture: StoppableFixture, T: Sendable>(
  _ fixture: Fixture, _ body: (Fixture) async throws -> T
) async throws -> T {
  defer { fixture.stop() }
  return try await body(fixture)
}

extension LocalRegistry: StoppableFixture {}
extension SecureLocalRegistry: StoppableFixture {}
extension TokenAuthRegistry: StoppableFixture {}
