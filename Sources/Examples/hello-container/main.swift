// The README's embedding example, compiled with the package so it stays true:
// `hello-container IMAGE [STATE_DIR]` pulls IMAGE, runs `echo hello world` in a container of it, and cleans up.
import ContainerKit
import Foundation
import ImageStore
import OCI
import RegistryClient

let args = CommandLine.arguments
guard args.count >= 2 else {
  FileHandle.standardError.write(Data("usage: hello-container IMAGE [STATE_DIR]\n".utf8))
  exit(2)
}
let root = URL(fileURLWithPath: args.count > 2 ? args[2] : "/var/lib/hello-container")

do {
  let store = try await ImageStore(root: root.appendingPathComponent("images"))
  let reference = try ImageReference(parsing: args[1])
  let image = try await RegistryClient.withClient { client in
    try await store.pull(reference, using: client)
  }
  let snapshot = try await store.prepareSnapshot(for: image, id: "hello-\(getpid())")
  let runtime = ContainerRuntime.detectingCgroups(root: root.appendingPathComponent("run").path)
  let spec = Spec.container(rootfs: snapshot.rootfs, args: ["echo", "hello", "world"])
  let status = try await runtime.run(id: "hello-\(getpid())", spec: spec)
  try await store.removeSnapshot(snapshot)
  exit(status.code ?? 1)
} catch {
  FileHandle.standardError.write(Data("hello-container: \(error)\n".utf8))
  exit(125)
}
