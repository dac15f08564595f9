import LayerFS

extension ImageStore {
  /// The image's layers unpacked in overlay form, top-most first (the order of overlayfs' `lowerdir`), unpacking
  /// any that is not yet. For callers that mount their own overlays on an image's layers (ContainerSandbox swaps a
  /// sandbox's upper directory and stacks templates on them) without a snapshot per mount.
  public func layerDirectories(for image: Image) async throws(ImageStoreError) -> [String] {
    guard driver.usesUnpackedLayers else { throw .unsupported("layer directories with the \(driver.name) driver") }
    return try await layerRefs(for: image).reversed().compactMap(\.unpackedDirectory)
  }
}
