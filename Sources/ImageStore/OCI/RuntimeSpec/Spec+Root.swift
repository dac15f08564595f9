extension Spec {
  /// `root`: the container's root filesystem, relative to the bundle unless absolute.
  public struct Root: Hashable, Sendable, Codable {
    public var path: String
    public var readonly: Bool?
    public init(path: String, readonly: Bool = false) {
      self.path = path
      self.readonly = readonly
    }
  }
}
