import ContainerSandbox
import TestSupport
import XCTest

/// The XCTest helper: a sandbox opened in `setUp`, closed by the test's tear-down.
final class SandboxXCTests: XCTestCase {
  var sandbox: Sandbox?
  var id = ""

  override func setUp() async throws {
    try XCTSkipUnless(isRoot, "sandboxes need root")
    let sandbox = try await makeSandbox(image: try SandboxFixture.image, configuration: SandboxFixture.configuration())
    self.sandbox = sandbox
    id = sandbox.id
  }

  func testSandboxFromSetUp() async throws {
    let sandbox = try XCTUnwrap(sandbox)
    let r = try await sandbox.run(["echo", "from XCTest"])
    XCTAssertEqual(r.stdout, "from XCTest\n")
    XCTAssertTrue(SandboxFixture.records().contains(id))
  }
}
