import ContainerEngine

/// The Engine API versions ckitd answers: `/v1.24` (the oldest dockerd 25+ accepts) up to the engine's
/// `apiVersion`, the version whose fields it implements; an unversioned path is the newest.
enum APIVersion {
  /// The newest version, sent as `Api-Version` on every answer.
  static let current = ContainerEngine.apiVersion
  /// The oldest version accepted.
  static let minimum = "1.24"

  /// Refuses a version outside the range with dockerd's messages (400).
  static func check(_ version: String?) throws {
    guard let version else { return }
    guard let minor = minor(version), version.hasPrefix("1.") else {
      throw APIError.badRequest("client version \(version) is invalid")
    }
    if minor > Self.minor(current)! {
      throw APIError.badRequest(
        "client version \(version) is too new. Maximum supported API version is \(current)")
    }
    if minor < Self.minor(minimum)! {
      throw APIError.badRequest(
        "client version \(version) is too old. Minimum supported API version is \(minimum), "
          + "please upgrade your client to a newer version")
    }
  }

  /// The minor number of `1.N`.
  static func minor(_ version: String) -> Int? {
    guard let dot = version.firstIndex(of: ".") else { return nil }
    return Int(version[version.index(after: dot)...])
  }

  /// Splits `/v1.41/containers/json` into `1.41` and `/containers/json`; an unversioned path has no version.
  static func split(_ path: String) -> (version: String?, path: String) {
    guard path.hasPrefix("/v"), let slash = path.dropFirst(2).firstIndex(of: "/") else {
      if path.hasPrefix("/v"), path.dropFirst(2).first?.isNumber == true { return (String(path.dropFirst(2)), "/") }
      return (nil, path)
    }
    let version = path[path.index(path.startIndex, offsetBy: 2)..<slash]
    guard version.first?.isNumber == true, version.allSatisfy({ $0.isNumber || $0 == "." }) else { return (nil, path) }
    return (String(version), String(path[slash...]))
  }
}
