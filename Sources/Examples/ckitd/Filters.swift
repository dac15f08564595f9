/// Docker's `filters` query parameter: JSON of `{"key": ["value", ...]}`, or the older `{"key": {"value": true}}`
/// that clients before API 1.22 (and some still) send. Parsed into the engine's `[key: [values]]`.
enum Filters {
  static func parse(_ text: String?) throws -> [String: [String]] {
    guard let text, !text.isEmpty else { return [:] }
    let json = try JSON.parse(Array(text.utf8))
    guard case .object(let fields) = json else {
      if json.isNull { return [:] }
      throw APIError.badRequest("invalid filter: expected a JSON object, got \(text)")
    }
    var filters: [String: [String]] = [:]
    for (key, value) in fields {
      switch value {
      case .array(let items):
        for item in items {
          guard case .string(let s) = item else { throw APIError.badRequest("invalid filter '\(key)'") }
          filters[key, default: []].append(s)
        }
      case .object(let map):
        for (item, on) in map where on == .bool(true) { filters[key, default: []].append(item) }
      case .string(let s): filters[key, default: []].append(s)
      default: throw APIError.badRequest("invalid filter '\(key)'")
      }
    }
    return filters
  }
}
