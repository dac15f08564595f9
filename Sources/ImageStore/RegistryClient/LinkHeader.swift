import Foundation

/// RFC 8288 `Link` header, as registries paginate `_catalog` and `tags/list`: `</v2/_catalog?last=x&n=100>;
/// rel="next"`.
enum LinkHeader {
  static func next(_ values: [String]) -> String? {
    for value in values {
      for part in value.split(separator: ",") {
        let fields = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let target = fields.first, target.hasPrefix("<"), target.hasSuffix(">") else { continue }
        let isNext = fields.dropFirst().contains {
          $0.replacingOccurrences(of: "\"", with: "").lowercased() == "rel=next"
        }
        if isNext { return String(target.dropFirst().dropLast()) }
      }
    }
    return nil
  }
}
