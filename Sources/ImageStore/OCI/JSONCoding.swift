import FoundationEssentials

/// Encoding and decoding of spec JSON in one place, so every writer produces the same bytes for the same value:
/// digests of written manifests and configs depend on it.
public enum SpecJSON {
  /// Sorted keys, no escaped slashes: stable bytes, hence stable digests.
  public static func encode(_ value: some Encodable) throws -> Data {
    let e = JSONEncoder()
    e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return try e.encode(value)
  }

  /// Decodes `what` (named in the error) from untrusted bytes.
  public static func decode<T: Decodable>(_ type: T.Type, from data: Data, what: String) throws(OCIError) -> T {
    do {
      return try JSONDecoder().decode(T.self, from: data)
    } catch let error as DecodingError {
      throw .malformedJSON(what: what, reason: Self.describe(error))
    } catch {
      throw .malformedJSON(what: what, reason: "\(error)")
    }
  }

  static func describe(_ error: DecodingError) -> String {
    func path(_ ctx: DecodingError.Context) -> String {
      let p = ctx.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
      return p.isEmpty ? "" : " at \(p)"
    }
    switch error {
    case .keyNotFound(let key, let ctx): return "missing field \"\(key.stringValue)\"\(path(ctx))"
    case .typeMismatch(let type, let ctx): return "expected \(type)\(path(ctx)): \(ctx.debugDescription)"
    case .valueNotFound(let type, let ctx): return "null where \(type) expected\(path(ctx))"
    case .dataCorrupted(let ctx): return "\(ctx.debugDescription)\(path(ctx))"
    @unknown default: return "\(error)"
    }
  }
}
