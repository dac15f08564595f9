import Foundation
import TestSupport
import Testing

/// The opencontainers runtime-tools validation suite (scripts/runtime-validation.sh) against this `ckit-runtime`:
/// the files listed in scripts/runtime-validation/passing.txt must keep passing. The suite is built once per
/// machine from Debian's source package; the only reason to skip is that its sources cannot be fetched.
@Suite(
  "runtime-tools validation suite against ckit-runtime", .enabled(if: isRoot, "requires root"),
  .enabled(if: ValidationSuite.built.ok, ValidationSuite.built.reason))
struct RuntimeValidationTests {
  @Test("every validation file listed as passing still passes")
  func listedFilesPass() async throws {
    let list = try String(
      contentsOfFile: RepoPaths.root.appendingPathComponent("scripts/runtime-validation/passing.txt").path,
      encoding: .utf8
    )
    .split(separator: "\n").map(String.init).filter { !$0.isEmpty && !$0.hasPrefix("#") }
    #expect(list.count >= 39, "at least as many files as crun passes here")
    try await withScratchRoot { scratch in
      let logs = scratch.path.appendingPathComponent("validation").path
      var environment = ProcessInfo.processInfo.environment
      environment["CKIT_RUNTIME"] = RuntimeCLITests.binary
      environment["FILES"] = list.joined(separator: " ")
      environment["LOGDIR"] = logs
      let r = try Command.run(
        ["bash", ValidationSuite.script, "run", "ckit-runtime"], check: false, environment: environment)
      #expect(r.status == 0, "\(r.stderr)")
      let results = try String(contentsOfFile: logs + "/results", encoding: .utf8).split(separator: "\n")
      var passed: Set<String> = []
      for line in results {
        let fields = line.split(separator: " ")
        if fields.count == 3, fields[2] == "pass" { passed.insert(String(fields[0])) }
      }
      for file in list where !passed.contains(file) {
        let tap = (try? String(contentsOfFile: "\(logs)/ckit-runtime/\(file).tap", encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: "\(logs)/ckit-runtime/\(file).err", encoding: .utf8)) ?? ""
        Issue.record("\(file) no longer passes:\n\(tap.prefix(3000))\n\(err.prefix(1000))")
      }
    }
  }
}

/// The built suite, for RuntimeValidationTests' trait.
enum ValidationSuite {
  static let script = RepoPaths.root.appendingPathComponent("scripts/runtime-validation.sh").path

  /// Whether the suite is built (the script's `build`, a no-op after the first time), and why not: exit 77 is the
  /// script's "sources unreachable"; any other failure is not skipped, the test reports it.
  static let built: (ok: Bool, reason: Comment) = {
    guard isRoot, let r = try? Command.run(["bash", script, "build"], check: false) else { return (true, "") }
    if r.status == 77 {
      let line = r.stderr.split(separator: "\n").last { $0.contains("sources unreachable") } ?? ""
      return (false, Comment(rawValue: "runtime-tools validation sources unreachable (\(line))"))
    }
    return (true, "")
  }()
}
