import OCI
import RegistryClient

/// Turns the registry client's per-blob events into docker's per-layer messages (`ImageProgress`), with the
/// daemon's rules: blobs that are not layers (the config) have no line, a late `waiting` does not take a finished
/// layer's line back, an existing layer stays `Already exists`, every byte in is `Verifying Checksum`, and a layer
/// stored but not unpacked (the driver unpacks at first run) is complete for the user at the end of a pull, as
/// docker says once it has extracted.
package struct LayerProgressTranslator: Sendable {
  /// Which words a layer's steps get.
  package enum Operation: Sendable {
    case pull
    case push
  }

  package let operation: Operation
  /// Layers in the order they were first seen.
  package private(set) var order: [Digest] = []
  private var state: [Digest: LayerProgress.State] = [:]
  private var sizes: [Digest: Int64] = [:]

  package init(_ operation: Operation) { self.operation = operation }

  /// Docker's message for `event`, or nil when it has none (not a layer, or a late `waiting`).
  package mutating func translate(_ event: LayerProgress) -> ImageProgress? {
    guard MediaType.isLayer(event.mediaType) else { return nil }
    if event.state == .waiting, state[event.digest] != nil { return nil }
    // A layer the store had is `Already exists` to the end, as docker says, even when the store still unpacks it.
    if state[event.digest] == .alreadyExists, event.state == .extracting || event.state == .unpacked { return nil }
    if state[event.digest] == nil { order.append(event.digest) }
    state[event.digest] = event.state
    sizes[event.digest] = event.bytesTotal
    let (phase, status) = words(event)
    return ImageProgress(
      phase: phase, id: event.digest.shortID, status: status, current: event.bytesDone, total: event.bytesTotal,
      layer: event.digest.description)
  }

  /// `waiting` messages for layers known before any transfer starts (a push's `Preparing`, top layer first).
  package mutating func announce(_ layers: [Descriptor]) -> [ImageProgress] {
    layers.compactMap {
      translate(
        LayerProgress(digest: $0.digest, mediaType: $0.mediaType, bytesDone: 0, bytesTotal: $0.size, state: .waiting))
    }
  }

  /// The closing `Pull complete` of each layer that was downloaded but not (or not yet seen) unpacked.
  package mutating func finish() -> [ImageProgress] {
    guard operation == .pull else { return [] }
    var out = [ImageProgress]()
    for d in order where state[d] == .complete || state[d] == .extracting {
      state[d] = .unpacked
      let size = sizes[d] ?? 0
      out.append(
        ImageProgress(
          phase: .pullComplete, id: d.shortID, status: "Pull complete", current: size, total: size,
          layer: d.description))
    }
    return out
  }

  private func words(_ event: LayerProgress) -> (ImageProgress.Phase, String) {
    switch (event.state, operation) {
    case (.waiting, .pull): (.waiting, "Pulling fs layer")
    case (.waiting, .push): (.waiting, "Preparing")
    case (.alreadyExists, .pull): (.alreadyExists, "Already exists")
    case (.alreadyExists, .push): (.alreadyExists, "Layer already exists")
    case (.mounted, _): (.mounted, "Mounted from another repository")
    case (.downloading, _):
      event.bytesTotal > 0 && event.bytesDone >= event.bytesTotal
        ? (.verifying, "Verifying Checksum") : (.downloading, "Downloading")
    case (.uploading, _): (.uploading, "Pushing")
    case (.retrying(let attempt), _): (.retrying(attempt: attempt), "Retrying (attempt \(attempt))")
    case (.complete, .pull): (.downloadComplete, "Download complete")
    case (.complete, .push): (.pushed, "Pushed")
    case (.extracting, _): (.extracting, "Extracting")
    case (.unpacked, _): (.pullComplete, "Pull complete")
    case (.failed(let reason), _): (.failed(reason: reason), "Failed")
    }
  }
}
