import Foundation
import TestSupport
import Testing

/// `--network` modes and `-p` beyond plain TCP: UDP and a host IP, answered through the host's sockets.
@Suite(.enabled(if: isRoot, "requires root"), .serialized)
struct CkitFlagNetworkTests {
  /// A UDP echo server (busybox has none): answers each datagram with `echo:` and the datagram.
  static let udpEcho = """
    #include <arpa/inet.h>
    #include <stdio.h>
    #include <stdlib.h>
    #include <string.h>
    #include <sys/socket.h>
    int main(int argc, char **argv) {
      int s = socket(AF_INET, SOCK_DGRAM, 0);
      struct sockaddr_in a = {0};
      a.sin_family = AF_INET;
      a.sin_port = htons(atoi(argv[1]));
      if (bind(s, (struct sockaddr *)&a, sizeof a) != 0) { perror("bind"); return 1; }
      printf("listening\\n");
      fflush(stdout);
      for (;;) {
        char buf[512];
        struct sockaddr_in peer;
        socklen_t len = sizeof peer;
        ssize_t n = recvfrom(s, buf + 5, sizeof buf - 5, 0, (struct sockaddr *)&peer, &len);
        if (n < 0) continue;
        memcpy(buf, "echo:", 5);
        sendto(s, buf, (size_t)n + 5, 0, (struct sockaddr *)&peer, len);
      }
    }
    """

  /// Sends `text` to 127.0.0.1:`port` over UDP and returns the first answer, nil if none came within a second.
  static func udpExchange(port: Int, _ text: String) -> String? {
    let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    defer { close(fd) }
    var timeout = timeval(tv_sec: 1, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    let sent = try? LoopbackSocket.withAddress(port: port) { sendto(fd, text, text.utf8.count, 0, $0, $1) }
    guard sent == text.utf8.count else { return nil }
    var buffer = [UInt8](repeating: 0, count: 512)
    let n = recv(fd, &buffer, buffer.count, 0)
    return n > 0 ? String(decoding: buffer.prefix(n), as: UTF8.self) : nil
  }

  /// `run` with `-p` rules, on free ports: a port taken by another process meanwhile is tried again with another.
  static func runPublished(
    _ env: CkitSeedTests.Env, name: String, _ rule: (Int) -> String, _ rest: [String]
  ) throws -> (CommandResult, Int) {
    var last: (CommandResult, Int)?
    for _ in 0..<3 {
      let port = try FreePort.next()
      let run = try env.ckit(["run", "-d", "--name", name, "-p", rule(port)] + rest)
      last = (run, port)
      if !run.stderr.contains("port is already allocated") { break }
      _ = try env.ckit(["rm", "-f", name])
    }
    return try #require(last)
  }

  /// `-p HOST:CTR/udp`: datagrams to the host port reach the container's server and its answers come back, as
  /// Docker's userland proxy relays them; `port` lists the mapping with its protocol.
  @Test func udpPublishing() async throws {
    try await CkitFlag.withEnv { env in
      let echo = try CkitFlag.staticExecutable(env, name: "udp-echo", source: Self.udpEcho)
      let (run, port) = try Self.runPublished(
        env, name: "udp", { "\($0):5353/udp" }, ["-v", "\(echo):/udp-echo:ro", env.image, "/udp-echo", "5353"])
      #expect(run.status == 0, "\(run.stderr)")
      #expect(try await eventually { try env.ckit(["logs", "udp"]).stdout.contains("listening") })
      let reply = try await eventuallyValue(every: .milliseconds(100)) { Self.udpExchange(port: port, "ping") }
      #expect(reply == "echo:ping")
      #expect(Self.udpExchange(port: port, "again") == "echo:again")
      #expect(try env.ckit(["port", "udp"]).stdout == "5353/udp -> 0.0.0.0:\(port)\n")
      #expect(try env.ckit(["ps", "--format", "{{.Ports}}"]).stdout == "0.0.0.0:\(port)->5353/udp\n")
      #expect(try env.ckit(["rm", "-f", "udp"]).status == 0)
      #expect(Self.udpExchange(port: port, "gone") == nil)
    }
  }

  /// `-p IP:HOST:CTR` binds the host port on that address only: it answers on 127.0.0.1 and refuses 127.0.0.2,
  /// as Docker's does.
  @Test func hostAddressPublishing() async throws {
    try await CkitFlag.withEnv { env in
      let (run, port) = try Self.runPublished(
        env, name: "web", { "127.0.0.1:\($0):80" },
        [
          env.image, "sh", "-c", "mkdir -p /www && echo on-loopback > /www/index.html && exec httpd -f -p 80 -h /www",
        ])
      #expect(run.status == 0, "\(run.stderr)")
      let reply = try await eventuallyValue {
        (try? HTTPProbe.get(host: "127.0.0.1", port: port, path: "/index.html", timeout: 2)).flatMap {
          $0.status == 200 ? $0 : nil
        }
      }
      #expect(reply?.text == "on-loopback\n")
      #expect((try? HTTPProbe.get(host: "127.0.0.2", port: port, timeout: 1)) == nil, "bound beyond 127.0.0.1")
      #expect(try env.ckit(["port", "web"]).stdout == "80/tcp -> 127.0.0.1:\(port)\n")
      #expect(try env.ckit(["ps", "--format", "{{.Ports}}"]).stdout == "127.0.0.1:\(port)->80/tcp\n")
    }
  }

  /// `--network host` shares the host's network namespace, `none` has loopback only, the default bridge gives
  /// `eth0` the address `inspect` reports, and `-h` names it in /etc/hosts.
  @Test func networkModes() async throws {
    try await CkitFlag.withEnv { env in
      let hostNet = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/net")
      let host = try env.ckit(["run", "--rm", "--network", "host", env.image, "readlink", "/proc/self/ns/net"])
      #expect(host.stdout == hostNet + "\n", "\(host.stderr)")
      let none = try env.ckit(["run", "--rm", "--network", "none", env.image, "sh", "-c", "ls /sys/class/net"])
      #expect(none.stdout == "lo\n", "\(none.stderr)")
      let bridged = try env.ckit(["run", "-d", "--name", "br", "-h", "box.test", env.image, "sleep", "3600"])
      #expect(bridged.status == 0, "\(bridged.stderr)")
      let address = try CkitFlag.inspect(env, "br", "{{.NetworkSettings.IPAddress}}")
      #expect(!address.isEmpty)
      let eth0 = try env.ckit(["exec", "br", "ip", "-4", "-o", "addr", "show", "eth0"])
      #expect(eth0.stdout.contains(" \(address)/"), "\(eth0.stdout)")
      #expect(try env.ckit(["exec", "br", "readlink", "/proc/self/ns/net"]).stdout != hostNet + "\n")
      // `-h`: the name the container has, and its address's in /etc/hosts.
      let hosts = try env.ckit(["exec", "br", "cat", "/etc/hosts"]).stdout.split(separator: "\n")
      #expect(hosts.contains { $0.hasPrefix(address) && $0.contains("box.test") }, "\(hosts)")
    }
  }
}
