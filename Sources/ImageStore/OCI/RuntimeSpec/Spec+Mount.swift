extension Spec {
  /// `mounts[]`: one filesystem mounted into the container, in order. `options` are mount(8) style strings
  /// (`ro`, `nosuid`, `rbind`, `mode=755`...): flags are recognised, the rest is passed on as mount data.
  public struct Mount: Hashable, Sendable, Codable {
    public var destination: String
    public var type: String?
    public var source: String?
    public var options: [String]?
    public init(destination: String, type: String? = nil, source: String? = nil, options: [String]? = nil) {
      self.destination = destination
      self.type = type
      self.source = source
      self.options = options
    }
  }
}
