import ContainerEngine
import Foundation
import OCI

/// `--security-opt`, docker's forms: `seccomp=unconfined`, `seccomp=PROFILE.json` (Docker's profile format, read
/// now, as docker's client does, so the container keeps it if the file changes), `no-new-privileges`,
/// `no-new-privileges=true|false`; `:` in place of `=` as docker still accepts. ckit has no AppArmor or SELinux
/// support, so `apparmor=` and `label=` are refused rather than ignored.
struct SecurityOptions {
  var seccomp: SeccompChoice?
  var noNewPrivileges: Bool?

  init(_ options: [String]) throws(CkitError) {
    for option in options {
      if option == "no-new-privileges" {
        noNewPrivileges = true
        continue
      }
      guard let sep = option.firstIndex(where: { $0 == "=" || $0 == ":" }) else { throw Self.invalid(option) }
      let key = option[..<sep]
      let value = String(option[option.index(after: sep)...])
      switch key {
      case "seccomp":
        seccomp = value == "unconfined" ? .unconfined : .profile(try Self.profile(at: value))
      case "no-new-privileges":
        guard let b = Bool(value) else {
          throw .invalidArgument("invalid --security-opt 2: \"\(option)\": no-new-privileges takes true or false")
        }
        noNewPrivileges = b
      case "apparmor", "label":
        throw .invalidArgument("invalid --security-opt: \"\(option)\": ckit has no \(key) support")
      default: throw Self.invalid(option)
      }
    }
  }

  static func invalid(_ option: String) -> CkitError {
    .invalidArgument(
      "invalid --security-opt: \"\(option)\" (known: seccomp=unconfined|PROFILE.json, no-new-privileges[=true|false])")
  }

  /// The profile at `path`, decoded and resolved once so that a profile Docker would refuse is refused now.
  static func profile(at path: String) throws(CkitError) -> Spec.SeccompProfile {
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
      throw .invalidArgument("opening seccomp profile (\(path)) failed: \(error.localizedDescription)")
    }
    let profile: Spec.SeccompProfile
    do { profile = try JSONDecoder().decode(Spec.SeccompProfile.self, from: data) } catch {
      throw .invalidArgument("decoding seccomp profile (\(path)) failed: \(error)")
    }
    do { _ = try profile.resolved(capabilities: Spec.defaultCapabilities) } catch {
      throw .invalidSeccompProfile(error)
    }
    return profile
  }
}
