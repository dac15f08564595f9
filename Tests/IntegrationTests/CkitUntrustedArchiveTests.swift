import Foundation
import ImageStore
import TestSupport
import Testing

/// Archives from a hostile container or a hostile tarball, end to end through the real `ckit` binary (issue #13,
/// parts 3 and 6): `cp` into a container that swaps names under the copy, `cp` out of one that swaps a file for a
/// link to a host file, and a gzip bomb through `import`.
@Suite(.enabled(if: isRoot, "requires root"), .serialized)
struct CkitUntrustedArchiveTests {
  /// `ckit` with a shell around it, for stdin from a file and an environment of the test's own.
  static func ckit(_ env: CkitSeedTests.Env, _ script: String, _ args: [String], extra: [String: String] = [:])
    throws -> CommandResult
  {
    var environment = env.processEnvironment
    environment.merge(extra) { $1 }
    let ckit = CkitCLITests.products.appendingPathComponent("ckit").path
    return try Command.run(
      ["sh", "-c", script, ckit, env.scratch.path.path] + args, check: false, environment: environment)
  }

  /// Starts `name` running `loop` in busybox, and waits until its `ready` directory exists.
  static func startRacer(_ env: CkitSeedTests.Env, name: String, ready: String, loop: String) async throws {
    #expect(try env.ckit(["pull", "-q", env.image]).status == 0)
    let run = try env.ckit(["run", "-d", "--name", name, env.image, "sh", "-c", loop])
    #expect(run.status == 0, "\(run.stderr)")
    let started = try await eventually { (try? env.ckit(["exec", name, "test", "-d", ready]).status) == 0 }
    #expect(started, "the racer's \(ready) never appeared")
  }

  /// The attack: the container loops `symlink(victim, "l"); rename("l", "p")` in /dst while `cp -`
  /// unpacks 30,000 FIFO entries named `p` with mode 04777 there. The unpacker used to chmod `p` by name after
  /// making it, following the link swapped in meanwhile: the host file became `-rwsrwxrwx`. Now the mode goes
  /// through a descriptor of what was made, and a replaced entry is refused: the host file stays 0600 whatever
  /// the interleaving.
  @Test func cpIntoASwappingContainerNeverChmodsAHostFile() async throws {
    try await withEnv { env in
      let host = try env.scratch.directory("host")
      let victim = host.appendingPathComponent("victim").path
      try "host secret\n".write(toFile: victim, atomically: false, encoding: .utf8)
      #expect(chmod(victim, 0o600) == 0)
      let tar = host.appendingPathComponent("fifos.tar").path
      try Command.run([
        "python3", "-c",
        """
        import sys, tarfile
        with tarfile.open(sys.argv[1], "w", format=tarfile.GNU_FORMAT) as t:
            for _ in range(30000):
                ti = tarfile.TarInfo("p"); ti.type = tarfile.FIFOTYPE; ti.mode = 0o4777; t.addfile(ti)
        """,
        tar,
      ])
      try await Self.startRacer(
        env, name: "racer", ready: "/dst",
        loop: "mkdir -p /dst && cd /dst && while :; do ln -s \(victim) l; mv -f l p; done 2>/dev/null")
      for round in 1...3 {
        let cp = try Self.ckit(env, "exec \"$0\" --root \"$1\" cp - racer:/dst < \"$2\"", [tar])
        var st = stat()
        #expect(stat(victim, &st) == 0)
        #expect(
          st.st_mode & 0o7777 == 0o600, "round \(round): the host file's mode is now \(String(st.st_mode, radix: 8))")
        // The copy either won every race or stopped at the entry raced for, saying so: what it made was replaced
        // before its mode was set, or the name was taken again between its removal and the new node.
        let refused = cp.stderr.contains("replaced") || cp.stderr.contains("mknod /proc/self/fd/")
        #expect(cp.status == 0 || refused, "round \(round): \(cp.stderr)")
      }
      #expect(try String(contentsOfFile: victim, encoding: .utf8) == "host secret\n")
    }
  }

  /// `cp` out of a container that keeps replacing /src/f with a link to a host file, and its directory
  /// /src/sub (1,000 files) with a link to a host directory holding files of the same names, while the copy walks
  /// them: every stream holds the container's own bytes or the links themselves, never a host file's contents.
  /// The walk reads each file through the descriptor it checked (opened by name under its parent's descriptor,
  /// without following); an archiver that opened files again by path would read the host's.
  @Test func cpOutOfASwappingContainerNeverReadsAHostFile() async throws {
    try await withEnv { env in
      let host = try env.scratch.directory("host")
      // Shorter than the container's files: an archiver reading a host file in their place copies all of it.
      let token = "H\(String(UInt64.random(in: 0...UInt64.max), radix: 36))"
      let secret = host.appendingPathComponent("secret").path
      try token.write(toFile: secret, atomically: false, encoding: .utf8)
      #expect(chmod(secret, 0o600) == 0)
      for i in 0..<1000 { try token.write(toFile: host.path + "/f\(i)", atomically: false, encoding: .utf8) }
      try await Self.startRacer(
        env, name: "reader", ready: "/src/ready",
        loop:
          "mkdir -p /src/sub && cd /src && for i in $(seq 0 999); do echo \(Self.filler) > sub/f$i; done && mkdir ready"
          + " && while :; do echo \(Self.filler) > t; mv -f t f; ln -s \(secret) l; mv -f l f;"
          + " mv sub real; ln -s \(host.path) sub; usleep 3000; rm sub; mv real sub; usleep 3000; done 2>/dev/null")
      var streams = 0
      for _ in 0..<20 {
        for args in [["cp", "reader:/src", "-"], ["cp", "-L", "reader:/src/f", "-"], ["cp", "reader:/src/f", "-"]] {
          let out = try env.ckit(args)
          if out.status == 0 { streams += 1 }
          #expect(!out.stdout.contains(token), "\(args) streamed a host file's contents")
        }
      }
      #expect(streams > 0, "no copy succeeded at all")
      let out = try env.scratch.directory("out").path
      for i in 0..<10 {
        _ = try env.ckit(["cp", "-L", "reader:/src/f", out + "/f\(i)"])
        _ = try env.ckit(["cp", "reader:/src", out + "/src\(i)"])
      }
      let found = try Command.run(["grep", "-r", "-l", token, out], check: false)
      #expect(found.stdout.isEmpty, "host contents copied out: \(found.stdout)")
    }
  }

  /// What the container writes in its files: longer than the host's token.
  static let filler = String(repeating: "container-bytes-", count: 4)

  /// A gzip bomb (64 MiB of zeros in 64 KiB) through `ckit import` with a low `CKIT_UNPACK_LIMITS`: a clear
  /// error naming the tarball and the bound, no image, no blob, nothing in ingest, and the store checks clean.
  /// Under the default limits the same tarball imports (its 64 MiB are below the ratio's floor).
  @Test func aGzipBombIsRefusedByImportAndLeavesNothing() async throws {
    try await withEnv { env in
      let host = try env.scratch.directory("host")
      let bomb = host.appendingPathComponent("bomb.tar.gz").path
      try Command.run([
        "sh", "-c", "cd \(host.path) && head -c 67108864 /dev/zero > zeros && tar -cf - zeros | gzip -9 > \(bomb)",
      ])
      let images = env.scratch.path.path + "/images"
      let refused = try Self.ckit(
        env, "exec \"$0\" --root \"$1\" import \"$2\" bomb:1", [bomb],
        extra: ["CKIT_UNPACK_LIMITS": "maxSize=16777216"])
      #expect(refused.status != 0)
      #expect(refused.stderr.contains(bomb) && refused.stderr.contains("maxSize"), "\(refused.stderr)")
      #expect(try env.ckit(["images", "-q"]).stdout.isEmpty)
      let blobs = try Command.run(["find", images + "/blobs", "-type", "f"]).stdout
      #expect(blobs.isEmpty, "blobs left: \(blobs)")
      let ingest = (try? FileManager.default.contentsOfDirectory(atPath: images + "/ingest")) ?? []
      #expect(ingest.isEmpty, "\(ingest)")
      let store = try await ImageStore(root: URL(fileURLWithPath: images))
      #expect(try await store.fsck().isClean)

      let accepted = try Self.ckit(env, "exec \"$0\" --root \"$1\" import \"$2\" bomb:1", [bomb])
      #expect(accepted.status == 0, "\(accepted.stderr)")
    }
  }
}
