import Foundation
import ImageStore
import OCI
import TestSupport
import Testing

@testable import Builder

/// The same Dockerfile built by buildah (the peer) and by the builder must give the same file tree (names, modes,
/// owners, contents) and the same config fields.
@Suite("Same result as buildah")
struct BuildahComparisonTests {
  static let hasBuildah = FileManager.default.isExecutableFile(atPath: "/usr/bin/buildah")

  static let dockerfile = """
    FROM busybox
    ENV APP=/app
    WORKDIR $APP
    COPY --chown=nobody:nobody src/ ./src/
    COPY --chmod=750 run.sh /usr/local/bin/run.sh
    ADD payload.tar.gz /opt/
    COPY conf/*.conf /etc/app/
    RUN mkdir -p /data && echo built > /data/out && chmod 640 /data/out && ln -s /data/out /data/link
    LABEL org.example.name=compare
    EXPOSE 8080 53/udp
    VOLUME /data
    STOPSIGNAL SIGINT
    USER nobody
    ENTRYPOINT ["/usr/local/bin/run.sh"]
    CMD ["--help"]
    """

  @Test(.enabled(if: isRoot && hasBuildah, "requires root and buildah"))
  func fileTreeAndConfigMatchBuildah() async throws {
    try await withScratchRoot { scratch in
      let ctx = try scratch.directory("ctx")
      try FileTree.write(
        [
          "src/main.c": "int main(void) { return 0; }\n", "src/lib/util.h": "#pragma once\n",
          "run.sh": "#!/bin/sh\necho run \"$@\"\n", "conf/a.conf": "a=1\n", "conf/b.conf": "b=2\n",
          "conf/skip.txt": "no\n",
        ], in: ctx)
      chmod(ctx.appendingPathComponent("src/main.c").path, 0o600)
      let payload = try scratch.directory("payload")
      try FileTree.write(["pkg/bin/tool": "#!/bin/sh\n", "pkg/share/doc.txt": "doc\n"], in: payload)
      chmod(payload.appendingPathComponent("pkg/bin/tool").path, 0o755)
      try Command.run([
        "tar", "--owner=1:1", "--group=2", "--numeric-owner", "-C", payload.path, "-czf",
        ctx.appendingPathComponent("payload.tar.gz").path, "pkg",
      ])
      let layout = try BusyboxImage.layout()

      // buildah, in its own storage below the scratch root.
      let ba = [
        "buildah", "--root", scratch.path.appendingPathComponent("buildah").path, "--runroot",
        scratch.path.appendingPathComponent("buildah-run").path, "--storage-driver", "overlay",
      ]
      defer {
        _ = try? Command.run(ba + ["rm", "--all"], check: false)
        _ = try? Command.run(ba + ["rmi", "--all", "--force"], check: false)
      }
      let baseID = try Command.run(ba + ["pull", "-q", "oci:\(layout.path):latest"]).stdout
        .trimmingCharacters(in: .whitespacesAndNewlines)
      try Command.run(ba + ["tag", baseID, "localhost/busybox:latest"])
      try Data(Self.dockerfile.utf8).write(to: ctx.appendingPathComponent("Dockerfile"))
      try Command.run(
        ba + ["bud", "--runtime", "runc", "--pull=false", "--network", "none", "-q", "-t", "peer", ctx.path])
      let peerOut = try scratch.directory("peer-oci")
      try Command.run(ba + ["push", "-q", "peer", "oci:\(peerOut.path):latest"])
      let peerConfig = try Self.config(ofLayout: peerOut)
      let container = try Command.run(ba + ["from", "-q", "peer"]).stdout.trimmingCharacters(
        in: .whitespacesAndNewlines)
      let peerRoot = URL(
        fileURLWithPath: try Command.run(ba + ["mount", container]).stdout.trimmingCharacters(
          in: .whitespacesAndNewlines))
      let peerTree = FileTree.manifest(peerRoot)
      try Command.run(ba + ["umount", container])

      // ckit.
      let root = try scratch.directory("store")
      let store = try await ImageStore(root: root)
      _ = try await store.importOCILayout(at: layout, tag: "busybox:latest")
      let storage = StoreBuildStorage(store: store)
      let builder = try ImageBuilder(
        storage: storage,
        executor: RuntimeBuildExecutor(
          runtime: .init(
            root: try scratch.directory("run").path, cgroupParent: "ckit-cmp-\(UUID().uuidString.prefix(8))")),
        root: root)
      let result = try await builder.build(
        dockerfile: Self.dockerfile, context: try BuildContext(directory: ctx), options: BuildOptions(tags: ["mine"]))
      let m = try await storage.mount(result.state, id: "cmp-\(UUID().uuidString.prefix(8))")
      let ourTree = FileTree.manifest(m.rootfs)
      await storage.release(m)

      // buildah leaves /run/secrets-style mount points and files it injects at run time; they are not content.
      let injected: Set<String> = ["run", "etc/hosts", "etc/hostname", "etc/resolv.conf"]
      func content(_ t: [String]) -> [String] {
        t.filter { line in
          !injected.contains(where: { line == $0 || line.hasPrefix($0 + " ") || line.hasPrefix($0 + "/") })
        }
      }
      let ours = content(ourTree)
      let theirs = content(peerTree)
      #expect(ours.count > 300, "the busybox tree is there")
      #expect(Set(ours).subtracting(theirs).sorted() == [], "only in ckit's image")
      #expect(Set(theirs).subtracting(ours).sorted() == [], "only in buildah's image")

      let c = try #require(result.state.config.config)
      let p = try #require(peerConfig.config)
      #expect(c.env == p.env)
      #expect(c.cmd == p.cmd)
      #expect(c.entrypoint == p.entrypoint)
      #expect(c.exposedPorts == p.exposedPorts)
      #expect(c.workingDir == p.workingDir)
      #expect(c.user == p.user)
      #expect(c.volumes == p.volumes)
      #expect(c.labels?["org.example.name"] == p.labels?["org.example.name"])
      #expect(c.stopSignal == p.stopSignal)
      // buildah without --layers squashes the build into one layer; ckit adds one per RUN/COPY/ADD.
      #expect(result.state.config.rootfs.diffIDs.count == 1 + 5)
      #expect(peerConfig.rootfs.diffIDs.count == 2)
    }
  }

  /// The config of the single image in an OCI layout.
  static func config(ofLayout dir: URL) throws -> ImageConfiguration {
    func blob(_ d: Digest) throws -> Data {
      try Data(contentsOf: dir.appendingPathComponent("blobs/\(d.algorithm.rawValue)/\(d.encoded)"))
    }
    let index = try SpecJSON.decode(
      ImageIndex.self, from: try Data(contentsOf: dir.appendingPathComponent("index.json")), what: "index")
    let manifestDesc = try #require(index.manifests.first)
    let manifest = try SpecJSON.decode(ImageManifest.self, from: try blob(manifestDesc.digest), what: "manifest")
    return try SpecJSON.decode(ImageConfiguration.self, from: try blob(manifest.config.digest), what: "config")
  }
}
