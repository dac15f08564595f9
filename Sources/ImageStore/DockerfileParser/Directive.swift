/// A parser directive from the top of the file (`# syntax=...`, `# escape=...`, `# check=...`).
public struct Directive: Sendable, Hashable {
  /// Lower-cased name: `syntax`, `escape` or `check`.
  public var name: String
  public var value: String
  /// 1-based line.
  public var line: Int
}
