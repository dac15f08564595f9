#if canImport(XCTest)
  import XCTest

  extension XCTestCase {
    /// A sandbox for this test, closed in the test's tear-down (after `tearDown`): call it from `setUp()` or the
    /// test itself.
    ///
    /// ```swift
    /// override func setUp() async throws { sandbox = try await makeSandbox(image: "busybox") }
    /// ```
    public func makeSandbox(image: String, configuration: SandboxConfiguration = SandboxConfiguration())
      async throws -> Sandbox
    {
      let sandbox = try await Sandbox.open(image: image, configuration: configuration)
      addTeardownBlock { await sandbox.close() }
      return sandbox
    }
  }
#endif
