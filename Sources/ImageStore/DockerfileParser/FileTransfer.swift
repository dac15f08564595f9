/// What COPY and ADD have in common, so that what is done to both (expanding their words) is written once.
protocol FileTransfer {
  var sources: [Source] { get set }
  var destination: String { get set }
  var chown: String? { get set }
  var chmod: String? { get set }
  var excludes: [String] { get set }
}

extension Copy: FileTransfer {}
extension Add: FileTransfer {}
