import Foundation
import TestSupport
import Testing

/// Who the container's process is and what it may do: `-u`, `--cap-add`/`--cap-drop`, `--privileged`, observed by
/// what the process is refused in the container (not only its status lines).
@Suite(.enabled(if: isRoot, "requires root"), .serialized)
struct CkitFlagSecurityTests {
  /// Docker's default capability set (CapEff 00000000a80425fb): CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, SETGID,
  /// SETUID, SETPCAP, NET_BIND_SERVICE, NET_RAW, SYS_CHROOT, MKNOD, AUDIT_WRITE, SETFCAP.
  static let dockerDefault: UInt64 = 0xa804_25fb

  func status(_ text: String) -> UInt64? { CkitParityTests.capabilities("CapEff", in: text) }

  /// `-u uid:gid`, `-u name` (from the image's /etc/passwd) and `-u uid` alone (group 0, as Docker): the process
  /// runs as that user, so root's files are closed to it.
  @Test func userFlag() async throws {
    try await CkitFlag.withEnv { env in
      func ids(_ user: String) throws -> String {
        let r = try env.ckit([
          "run", "--rm", "--network", "none", "-u", user, env.image, "sh", "-c",
          "echo $(id -u):$(id -g); touch /root/x 2>/dev/null && echo wrote || echo refused",
        ])
        #expect(r.status == 0, "\(user): \(r.stderr)")
        return r.stdout
      }
      #expect(try ids("1000:1001") == "1000:1001\nrefused\n")
      #expect(try ids("nobody") == "65534:65534\nrefused\n")
      let bare = try ids("1234")
      #expect(bare == "1234:0\nrefused\n")
      #expect(try ids("root") == "0:0\nwrote\n")
      let unknown = try env.ckit(["run", "--rm", "--network", "none", "-u", "nosuchuser", env.image, "true"])
      #expect(unknown.failed(saying: "nosuchuser"), "\(unknown.stderr)")
    }
  }

  /// Docker's default capabilities, and `--cap-add`/`--cap-drop` observed by what they allow: NET_ADMIN changes
  /// the container's interfaces, dropping CHOWN (or ALL) makes root's `chown` fail.
  @Test func capAddAndCapDrop() async throws {
    try await CkitFlag.withEnv { env in
      let own = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
      let host = try #require(CkitParityTests.capabilities("CapBnd", in: own))
      let plain = try env.ckit(["run", "--rm", "--network", "none", env.image, "cat", "/proc/self/status"])
      #expect(status(plain.stdout) == Self.dockerDefault & host, "\(plain.stdout)")

      let mtu = ["sh", "-c", "ip link set lo mtu 1400 2>/dev/null && echo changed || echo refused"]
      let without = try env.ckit(["run", "--rm", "--network", "none", env.image] + mtu)
      #expect(without.stdout == "refused\n", "\(without.stderr)")
      let with = try env.ckit(["run", "--rm", "--network", "none", "--cap-add", "NET_ADMIN", env.image] + mtu)
      #expect(with.stdout == "changed\n", "\(with.stderr)")
      let prefixed = try env.ckit(["run", "--rm", "--network", "none", "--cap-add", "CAP_NET_ADMIN", env.image] + mtu)
      #expect(prefixed.stdout == "changed\n", "Docker takes the CAP_ prefix too: \(prefixed.stderr)")

      let chown = ["sh", "-c", "touch /f && chown 1:1 /f 2>/dev/null && echo chowned || echo refused"]
      #expect(try env.ckit(["run", "--rm", "--network", "none", env.image] + chown).stdout == "chowned\n")
      let dropped = try env.ckit(["run", "--rm", "--network", "none", "--cap-drop", "chown", env.image] + chown)
      #expect(dropped.stdout == "refused\n", "\(dropped.stderr)")
      let none = try env.ckit([
        "run", "--rm", "--network", "none", "--cap-drop", "ALL", env.image, "sh", "-c",
        "grep CapEff /proc/self/status; touch /f && chown 1:1 /f 2>/dev/null && echo chowned || echo refused",
      ])
      #expect(none.stdout == "CapEff:\t0000000000000000\nrefused\n", "\(none.stdout) \(none.stderr)")
      // ALL dropped, one added back: Docker's order (drop first, then add).
      let back = try env.ckit([
        "run", "--rm", "--network", "none", "--cap-drop", "ALL", "--cap-add", "CHOWN", env.image, "cat",
        "/proc/self/status",
      ])
      #expect(status(back.stdout) == 1, "\(back.stdout)")
    }
  }

  /// `--privileged`: every capability the host can give, no seccomp filter, /proc/sys writable and mounts allowed,
  /// and the host's devices, as Docker gives them; none of that without it.
  @Test func privilegedLiftsTheConfinement() async throws {
    try await CkitFlag.withEnv { env in
      let probe = """
        grep CapEff /proc/self/status; grep Seccomp: /proc/self/status
        echo 1 > /proc/sys/net/ipv4/ip_forward 2>/dev/null && echo sysctl=ok || echo sysctl=refused
        mkdir -p /m && mount -t tmpfs none /m 2>/dev/null && echo mount=ok || echo mount=refused
        """
      let own = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
      let host = try #require(CkitParityTests.capabilities("CapBnd", in: own))
      let priv = try env.ckit(["run", "--rm", "--network", "none", "--privileged", env.image, "sh", "-c", probe])
      #expect(priv.status == 0, "\(priv.stderr)")
      #expect(status(priv.stdout) == host, "\(priv.stdout)")
      #expect(priv.stdout.contains("Seccomp:\t0\n"), "\(priv.stdout)")
      #expect(priv.stdout.contains("sysctl=ok\nmount=ok\n"), "\(priv.stdout)")
      let plain = try env.ckit(["run", "--rm", "--network", "none", env.image, "sh", "-c", probe])
      #expect(plain.stdout.contains("Seccomp:\t2\n"), "\(plain.stdout)")
      #expect(plain.stdout.contains("sysctl=refused\nmount=refused\n"), "\(plain.stdout)")

      // The host's devices: Docker gives a privileged container all of /dev's device nodes.
      let hostDevice = ["kmsg", "loop-control", "fuse"].first {
        FileManager.default.fileExists(atPath: "/dev/" + $0)
      }
      if let hostDevice {
        let dev = try env.ckit([
          "run", "--rm", "--network", "none", "--privileged", env.image, "test", "-c", "/dev/" + hostDevice,
        ])
        #expect(dev.status == 0, "/dev/\(hostDevice) missing in a privileged container")
        let confined = try env.ckit(["run", "--rm", "--network", "none", env.image, "test", "-e", "/dev/" + hostDevice])
        #expect(confined.status == 1)
      }
    }
  }
}
