import Foundation

/// Whether the tests run as root. Privileged tests gate on it with `.enabled(if: isRoot, "requires root")`;
/// `scripts/test.sh` fails a root run in which any test skipped itself.
public let isRoot: Bool = getuid() == 0

/// Whether this run is CI's (`CI=true`), where missing fixtures must fail rather than skip.
public let isCI: Bool = ProcessInfo.processInfo.environment["CI"] == "true"
