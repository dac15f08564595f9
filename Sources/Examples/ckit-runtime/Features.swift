import ArgumentParser
import ContainerKit
import FoundationEssentials
import Namespaces
import OCI

/// `runc features`: the runtime-spec features document (features.md), what a caller (containerd, CRI-O) reads to
/// know what this runtime accepts in a config before it writes one.
struct Features: ParsableCommand, Subcommand {
  static let configuration = CommandConfiguration(abstract: "Print the OCI features this runtime supports as JSON.")

  func execute() async throws {
    let e = JSONEncoder()
    e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try e.encode(FeaturesDocument.current), as: UTF8.self))
  }
}

/// The features document's fields (runtime-spec `specs-go/features`), those this runtime can state.
struct FeaturesDocument: Encodable {
  var ociVersionMin = "1.0.0"
  var ociVersionMax = RuntimeCommand.specVersion
  var hooks = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"]
  var mountOptions = MountOptions.known
  var linux = Linux()

  struct Linux: Encodable {
    var namespaces = Spec.NamespaceType.allCases.map(\.rawValue)
    var capabilities = Capability.names
    /// cgroup v1 and v2 through cgroupfs; no systemd driver (`--systemd-cgroup` is refused).
    var cgroup = ["v1": true, "v2": true, "systemd": false, "systemdUser": false, "rdma": false]
    var seccomp = Seccomp()
    var apparmor = ["enabled": false]
    var selinux = ["enabled": false]
    var intelRdt = ["enabled": false]
  }

  struct Seccomp: Encodable {
    var enabled = true
    var actions = SeccompCompiler.actions
    var operators = SeccompCompiler.operatorNames
    var archs: [String] = {
      #if arch(x86_64)
        ["SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32"]
      #elseif arch(arm64)
        ["SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64"]
      #else
        []
      #endif
    }()
    var knownFlags = SeccompCompiler.flags
    var supportedFlags = SeccompCompiler.flags
  }

  static let current = FeaturesDocument()
}
