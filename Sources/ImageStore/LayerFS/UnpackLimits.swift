/// Bounds on what one archive (a layer, a `cp` stream, an ADD source, a docker-archive) may expand to.
///
/// Archives come from images and containers nobody vetted, and a few hundred kilobytes of gzip expand to gigabytes
/// (1,000:1 for zeros; zstd goes further). The unpacker stops as soon as a bound is passed, with
/// `LayerFSError.limitExceeded` naming the archive and the bound; the caller removes what was written.
///
/// The defaults are meant never to refuse a real image:
/// - `maxRatio` 100: real layers compress 2:1 to 10:1 (text-heavy ones up to about 20:1); 100:1 only passes with
///   large runs of one byte, which is what a bomb is made of.
/// - `ratioFloor` 256 MiB: the ratio applies only past it, so a small layer holding a zero-filled file (a
///   preallocated database, a swap image) still unpacks; a bomb costs at most that much disk.
/// - `maxSize` 64 GiB: larger than the largest images in common use (CUDA and ML images are 10 to 20 GB
///   uncompressed), and small enough to refuse before a host's disk fills.
/// - `maxEntries` 10,000,000: about 20 times the files of the largest real layers (a full TeX Live or a big
///   `node_modules` holds a few hundred thousand); the bound stops an inode-exhaustion attack made of empty
///   entries, which the size bounds cannot see (an entry costs only 512 bytes of tar).
public struct UnpackLimits: Sendable, Hashable, CustomStringConvertible {
  /// Uncompressed bytes allowed per compressed byte, past `ratioFloor`.
  public var maxRatio: Int64
  /// Uncompressed bytes always allowed, whatever the ratio.
  public var ratioFloor: Int64
  /// Uncompressed bytes allowed at most.
  public var maxSize: Int64
  /// Tar entries allowed at most.
  public var maxEntries: Int

  public init(
    maxRatio: Int64 = 100, ratioFloor: Int64 = 256 << 20, maxSize: Int64 = 64 << 30, maxEntries: Int = 10_000_000
  ) {
    self.maxRatio = maxRatio
    self.ratioFloor = ratioFloor
    self.maxSize = maxSize
    self.maxEntries = maxEntries
  }

  /// No bound at all (trusted input only: an archive this process wrote itself).
  public static let unlimited = UnpackLimits(
    maxRatio: .max, ratioFloor: .max, maxSize: .max, maxEntries: .max)

  /// The bound an archive of `compressed` bytes may expand to: the ratio's (or the floor) and the cap, the
  /// smaller. For a stream whose size is not known in advance, `compressed` is what was read so far.
  public func allowedSize(compressed: Int64) -> Int64 {
    let (scaled, overflow) = compressed.multipliedReportingOverflow(by: maxRatio)
    return min(maxSize, max(ratioFloor, overflow ? .max : scaled))
  }

  /// `maxSize=BYTES,maxRatio=N,ratioFloor=BYTES,maxEntries=N` (any subset, the rest default), as in
  /// `$CKIT_UNPACK_LIMITS`; nil when a part is not understood.
  public init?(parsing text: String) {
    self.init()
    for part in text.split(separator: ",") {
      let kv = part.split(separator: "=", maxSplits: 1).map(String.init)
      guard kv.count == 2, let value = Int64(kv[1]), value > 0 else { return nil }
      switch kv[0] {
      case "maxSize": maxSize = value
      case "maxRatio": maxRatio = value
      case "ratioFloor": ratioFloor = value
      case "maxEntries": maxEntries = Int(value)
      default: return nil
      }
    }
  }

  public var description: String {
    "maxSize=\(maxSize),maxRatio=\(maxRatio),ratioFloor=\(ratioFloor),maxEntries=\(maxEntries)"
  }

  /// Which bound an archive passed, with the figures that passed it.
  public enum Exceeded: Sendable, Hashable, CustomStringConvertible {
    /// More than `limit` uncompressed bytes (`maxSize`).
    case size(limit: Int64)
    /// More than `limit` uncompressed bytes for `compressed` compressed ones (`maxRatio` past `ratioFloor`).
    case ratio(limit: Int64, ratio: Int64, compressed: Int64)
    /// More than `limit` entries (`maxEntries`).
    case entries(limit: Int)

    public var description: String {
      switch self {
      case .size(let limit): "expands past \(limit) bytes (maxSize)"
      case .ratio(let limit, let ratio, let compressed):
        "expands past \(limit) bytes from \(compressed) compressed bytes (maxRatio \(ratio):1)"
      case .entries(let limit): "holds more than \(limit) entries (maxEntries)"
      }
    }
  }

  /// The bound that `uncompressed` bytes from `compressed` ones pass, if any.
  func check(uncompressed: Int64, compressed: Int64) -> Exceeded? {
    let allowed = allowedSize(compressed: compressed)
    guard uncompressed > allowed else { return nil }
    return allowed == maxSize
      ? .size(limit: maxSize) : .ratio(limit: allowed, ratio: maxRatio, compressed: compressed)
  }
}
