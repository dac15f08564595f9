/// One `key=value` of ENV, LABEL, ARG or `--build-arg`, in the order written.
public struct KeyValue: Hashable, Sendable {
  public var key: String
  public var value: String

  public init(_ key: String, _ value: String) {
    self.key = key
    self.value = value
  }
}
