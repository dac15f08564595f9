import DockerfileParser
import OCI

/// "Same parent + same instruction = reuse": a step's key digests its parent state, the instruction after word
/// expansion, the ARG values it could see, and for COPY/ADD the content digest of its sources.
///
/// Only the build args that the step can observe take part (for RUN, the ones declared in the stage), so passing
/// an unrelated `--build-arg` does not invalidate anything, and changing one invalidates from its first use on.
public struct CacheKey: Hashable, Sendable, CustomStringConvertible {
  public let digest: Digest

  public init(parent: Digest, instruction: String, args: [KeyValue] = [], sources: Digest? = nil, platform: Platform) {
    var h = DigestHasher()
    func field(_ s: String) {
      h.update(Array("\(s.utf8.count):".utf8))
      h.update(Array(s.utf8))
    }
    field("ckit-build-cache-v1")
    field(parent.description)
    field(platform.description)
    field(instruction)
    for a in args.sorted(by: { $0.key < $1.key }) {
      field(a.key)
      field(a.value)
    }
    field(sources?.description ?? "-")
    digest = h.finalize()
  }

  public var description: String { digest.description }
}
