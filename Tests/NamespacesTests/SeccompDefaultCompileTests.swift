import Foundation
import OCI
import Testing

@testable import Namespaces

/// Docker's default profile compiles with libseccomp for every capability set a container can have, on the
/// architectures of the host's group (x86_64 + x86 + x32 here); its compile time is printed (3-60 ms on this VM
/// depending on load: why `cachedCompile` keeps the program).
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
  }

  /// The cache serves the same program from a file to a process that has not compiled it, refuses a file whose
  /// profile text differs (a collision or a stale entry), and ignores a directory others can write.
  @Test func cacheFilesServeOnlyTheirOwnProfile() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("seccomp-cache-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let profile = Spec.Seccomp.docker(capabilities: ["CAP_KILL", "CAP_SYS_PTRACE"])
    let compiled = try SeccompCompiler.cachedCompile(profile, cacheDirectory: dir)
    let files = try FileManager.default.contentsOfDirectory(atPath: dir)
    #expect(files.count == 1 && files[0].hasSuffix(".bpf"))
    let attributes = try FileManager.default.attributesOfItem(atPath: dir + "/" + files[0])
    #expect((attributes[.posixPermissions] as? Int) == 0o600)
    let key = SeccompCompiler.canonicalText(profile)
    #expect(SeccompCompiler.read(dir + "/" + files[0], key: key) == compiled)
    var other = profile
    other.defaultErrnoRet = 13
    #expect(SeccompCompiler.read(dir + "/" + files[0], key: SeccompCompiler.canonicalText(other)) == nil)
    SeccompCompiler.memo.withLock { $0.removeAll() }
    #expect(try SeccompCompiler.cachedCompile(profile, cacheDirectory: dir) == compiled)
    chmod(dir, 0o777)
    #expect(SeccompCompiler.read(dir + "/" + files[0], key: key) == nil)
  }
}
