/// Docker's `label` filter: every value given (`key` or `key=value`) must be among `labels`. Shared by the
/// filters of events, volumes and containers, which Docker all match the same way.
package enum LabelFilter {
  package static func matches(_ wanted: [String]?, _ labels: [String: String]) -> Bool {
    (wanted ?? []).allSatisfy { l in
      guard let eq = l.firstIndex(of: "=") else { return labels[l] != nil }
      return labels[String(l[..<eq])] == String(l[l.index(after: eq)...])
    }
  }
}
