import Foundation
import Namespaces
import OCI
import Testing

/// Docker's default profile compiles with libseccomp for every capability set a container can have, on the
/// architectures of the host's group (x86_64 + x86 + x32 here), and fast enough to be compiled at every start.
@Suite struct SeccompDefaultCompileTests {
  @Test func defaultProfileCompilesForEveryCapabilitySet() throws {
    for caps in [[], Spec.defaultCapabilities, Spec.defaultCapabilities + ["CAP_SYS_ADMIN"], Spec.allCapabilities] {
      let program = try SeccompCompiler.compile(.docker(capabilities: caps))
      #expect(program.filter.count % 8 == 0 && program.instructionCount > 300, "\(caps.count) caps")
    }
    let clock = ContinuousClock()
    let profile = Spec.Seccomp.docker(capabilities: Spec.defaultCapabilities)
    let n = 20
    let elapsed = try clock.measure { for _ in 0..<n { _ = try SeccompCompiler.compile(profile) } }
    let perCompile = elapsed / n
    print(
      "seccomp: Docker's default profile compiles in \(perCompile) (\(try SeccompCompiler.compile(profile).instructionCount) instructions)"
    )
    #expect(perCompile < .milliseconds(50))
  }
}
