#if canImport(Testing)
  import Testing

  extension Sandbox {
    /// The sandbox of the running test, given by the ``SandboxTrait`` (`@Test(.sandbox(image: ...))`).
    @TaskLocal public static var current: Sandbox?
  }

  /// Gives each test (each case of a parameterized one) a sandbox of its own, started before it runs and torn
  /// down after, whatever happens; the test reads it from ``Sandbox/current``.
  ///
  /// ```swift
  /// @Test(.sandbox(image: "localhost:5000/library/busybox:latest"))
  /// func greets() async throws {
  ///   let sandbox = try #require(Sandbox.current)
  ///   #expect(try await sandbox.run(["echo", "hi"]).stdout == "hi\n")
  /// }
  /// ```
  public struct SandboxTrait: TestTrait, TestScoping {
    public let image: String
    public let configuration: SandboxConfiguration
    /// Sandboxes come from this pool (reset between tests) instead of being started for each test.
    public let pool: SandboxPool?

    public func provideScope(
      for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
      // Once per case: a parameterized test's cases each get their own.
      guard testCase != nil else { return try await function() }
      if let pool {
        try await pool.withSandbox { sandbox in try await Sandbox.$current.withValue(sandbox) { try await function() } }
      } else {
        try await Sandbox.withSandbox(image: image, configuration: configuration) { sandbox in
          try await Sandbox.$current.withValue(sandbox) { try await function() }
        }
      }
    }
  }

  extension Trait where Self == SandboxTrait {
    /// A sandbox of `image` for the test, in ``Sandbox/current``.
    public static func sandbox(image: String, configuration: SandboxConfiguration = SandboxConfiguration()) -> Self {
      SandboxTrait(image: image, configuration: configuration, pool: nil)
    }

    /// A sandbox from `pool` for the test (given back, reset, afterwards), in ``Sandbox/current``.
    public static func sandbox(from pool: SandboxPool) -> Self {
      SandboxTrait(image: pool.image, configuration: pool.configuration, pool: pool)
    }
  }
#endif
