import Foundation
import TestSupport
import Testing

/// Where a container's files live: `-v` binds and named volumes, `--tmpfs`, `--read-only`, `rm -v`, `--log-opt`;
/// each observed in the container's mount table and on the host.
@Suite(.enabled(if: isRoot, "requires root"), .serialized)
struct CkitFlagStorageTests {
  /// `-v HOST:CTR` writes through to the host, `:ro` refuses writes; `-v NAME:CTR` makes a named volume that
  /// outlives the container and is seen by the next one, filled from the image on first use as Docker fills it;
  /// `-v /path` is an anonymous volume that `rm -v` removes.
  @Test func bindMountsAndVolumes() async throws {
    try await CkitFlag.withEnv { env in
      let host = try env.scratch.directory("shared")
      try "from-host\n".write(to: host.appendingPathComponent("in.txt"), atomically: true, encoding: .utf8)
      let bind = try env.ckit([
        "run", "--rm", "--network", "none", "-v", "\(host.path):/data", env.image, "sh", "-c",
        "cat /data/in.txt && echo from-container > /data/out.txt",
      ])
      #expect(bind.status == 0, "\(bind.stderr)")
      #expect(bind.stdout == "from-host\n")
      #expect(try String(contentsOf: host.appendingPathComponent("out.txt"), encoding: .utf8) == "from-container\n")
      let ro = try env.ckit([
        "run", "--rm", "--network", "none", "-v", "\(host.path):/data:ro", env.image, "sh", "-c",
        "cat /data/in.txt; touch /data/x",
      ])
      #expect(ro.status == 1)
      #expect(ro.stdout == "from-host\n")
      #expect(ro.stderr.contains("Read-only file system"), "\(ro.stderr)")
      #expect(!FileManager.default.fileExists(atPath: host.appendingPathComponent("x").path))

      let write = try env.ckit([
        "run", "--rm", "--network", "none", "-v", "keep:/vol", env.image, "sh", "-c", "echo kept > /vol/f",
      ])
      #expect(write.status == 0, "\(write.stderr)")
      #expect(try env.ckit(["volume", "ls", "-q"]).stdout == "keep\n")
      let read = try env.ckit([
        "run", "--rm", "--network", "none", "-v", "keep:/other:ro", env.image, "cat", "/other/f",
      ])
      #expect(read.stdout == "kept\n", "\(read.stderr)")
      #expect(
        try String(contentsOfFile: env.scratch.path.path + "/volumes/keep/_data/f", encoding: .utf8) == "kept\n")

      // Docker copies what the image has at the mount point into a new, empty named volume.
      let filled = try env.ckit([
        "run", "--rm", "--network", "none", "-v", "etcvol:/etc", env.image, "ls", "/etc/passwd",
      ])
      let seen = try env.ckit(["run", "--rm", "--network", "none", "-v", "etcvol:/x", env.image, "ls", "/x"])
      #expect(filled.status == 0, "\(filled.stderr)")
      #expect(seen.stdout.contains("passwd"), "a new volume is filled from the image: \(seen.stdout)")

      let before = Set(try env.ckit(["volume", "ls", "-q"]).stdout.split(separator: "\n"))
      let anon = try env.ckit(["run", "--name", "anon", "--network", "none", "-v", "/scratch", env.image, "true"])
      #expect(anon.status == 0, "\(anon.stderr)")
      let made = Set(try env.ckit(["volume", "ls", "-q"]).stdout.split(separator: "\n")).subtracting(before)
      let volume = try #require(made.first.map(String.init), "no anonymous volume")
      #expect(made.count == 1 && volume.count == 64, "an anonymous volume is named by 64 hex digits: \(made)")
      #expect(try env.ckit(["rm", "-v", "anon"]).status == 0)
      let after = try env.ckit(["volume", "ls", "-q"]).stdout
      #expect(!after.contains(volume))
    }
  }

  /// `--tmpfs PATH[:OPTIONS]` mounts a tmpfs with Docker's default options (`nosuid,nodev,noexec`), the size
  /// given enforced; `--read-only` makes the root filesystem read-only while volumes and tmpfs stay writable.
  @Test func tmpfsAndReadOnly() async throws {
    try await CkitFlag.withEnv { env in
      let tmpfs = try env.ckit([
        "run", "--rm", "--network", "none", "--tmpfs", "/scratch", "--tmpfs", "/small:size=1m,mode=1777", env.image,
        "sh", "-c",
        "grep -E ' /(scratch|small) ' /proc/mounts; stat -c %a /small; "
          + "dd if=/dev/zero of=/small/f bs=1k count=2048 2>/dev/null; echo dd=$?",
      ])
      #expect(tmpfs.status == 0, "\(tmpfs.stderr)")
      let lines = tmpfs.stdout.split(separator: "\n").map(String.init)
      let scratch = try #require(lines.first { $0.contains(" /scratch ") }, "\(tmpfs.stdout)")
      #expect(scratch.hasPrefix("tmpfs /scratch tmpfs "), "\(scratch)")
      let options = scratch.split(separator: " ")[3].split(separator: ",")
      for option in ["rw", "nosuid", "nodev"] {
        #expect(options.contains(Substring(option)), "\(scratch)")
      }
      #expect(options.contains("noexec"), "\(scratch)")
      let small = try #require(lines.first { $0.contains(" /small ") }, "\(tmpfs.stdout)")
      #expect(small.contains("size=1024k"), "\(small)")
      #expect(lines.contains("1777"), "\(tmpfs.stdout)")
      #expect(lines.contains("dd=1"), "writing 2 MiB into a 1 MiB tmpfs fails: \(tmpfs.stdout)")

      let vol = try env.scratch.directory("rw")
      let ro = try env.ckit([
        "run", "--rm", "--network", "none", "--read-only", "--tmpfs", "/run", "-v", "\(vol.path):/rw", env.image,
        "sh", "-c",
        "touch /root-file 2>&1; echo root=$?; touch /run/t && echo run=0; touch /rw/t && echo rw=0; "
          + "grep ' / ' /proc/mounts | cut -d' ' -f4 | cut -d, -f1",
      ])
      #expect(ro.status == 0, "\(ro.stderr)")
      #expect(ro.stdout.contains("Read-only file system"), "\(ro.stdout)")
      #expect(ro.stdout.contains("root=1\nrun=0\nrw=0\nro\n"), "\(ro.stdout)")
    }
  }

  /// `--log-opt max-size=,max-file=`: the json-file log rotates at the size and keeps that many files, as Docker's
  /// json-file driver does; `logs` reads across them.
  @Test func logOptionsRotate() async throws {
    try await CkitFlag.withEnv { env in
      let run = try env.ckit([
        "run", "--name", "chatty", "--network", "none", "--log-opt", "max-size=2k", "--log-opt", "max-file=2",
        env.image, "sh", "-c", "i=0; while [ $i -lt 200 ]; do echo line-$i; i=$((i+1)); done",
      ])
      #expect(run.status == 0, "\(run.stderr)")
      let id = try CkitFlag.inspect(env, "chatty", "{{.Id}}")
      let dir = env.scratch.path.appendingPathComponent("containers/\(id)").path
      let logs = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("\(id)-json.log") }
      #expect(logs.sorted() == ["\(id)-json.log", "\(id)-json.log.1"], "\(logs)")
      for file in logs {
        let size = try FileManager.default.attributesOfItem(atPath: dir + "/" + file)[.size] as? Int ?? 0
        #expect(size <= 2048 + 128, "\(file): \(size)")
      }
      let lines = try env.ckit(["logs", "chatty"]).stdout.split(separator: "\n")
      #expect(lines.last == "line-199")
      #expect(lines.count < 200 && lines.count > 20, "\(lines.count)")
    }
  }
}
