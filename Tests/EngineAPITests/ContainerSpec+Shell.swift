import ContainerEngine

extension ContainerSpec {
  /// A container of `image` that runs `script` with its `sh -c` and no network: what most engine tests run.
  static func shell(_ image: String, _ script: String) -> ContainerSpec {
    ContainerSpec(image: image, command: ["sh", "-c", script], network: .none)
  }
}
