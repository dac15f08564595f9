/// One control-file write a resource translates to: which controller must be enabled for the file to exist, the
/// file name relative to the cgroup directory, and the exact bytes to write.
///
/// Translating `LinuxResources` into a flat list first keeps the unit conversions pure (testable without a kernel)
/// and lets `create` and `update` share one code path.
struct CgroupWrite: Sendable, Hashable {
  var controller: String?
  var file: String
  var value: String
  /// A file to write instead when the cgroup has it, with its own value: the BFQ scheduler's `io.bfq.weight`
  /// takes the blkio weight unconverted, and only it has an effect with BFQ.
  var preferredFile: String?
  var preferredValue: String?

  init(
    _ controller: String?, _ file: String, _ value: String, preferring preferredFile: String? = nil,
    _ preferredValue: String? = nil
  ) {
    self.controller = controller
    self.file = file
    self.value = value
    self.preferredFile = preferredFile
    self.preferredValue = preferredValue
  }
}
