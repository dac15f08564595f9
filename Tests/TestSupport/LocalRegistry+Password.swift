import Foundation

extension LocalRegistry {
  /// A registry that lets in `user` with `password` only (htpasswd, bcrypt), its password file written in
  /// `directory`: what `login` is tested against.
  public static func start(user: String, password: String, directory: URL) throws -> LocalRegistry {
    let htpasswd = try Command.run(["htpasswd", "-Bbn", user, password]).stdout
    let file = directory.appendingPathComponent("htpasswd")
    try htpasswd.write(to: file, atomically: true, encoding: .utf8)
    return try start(auth: ["htpasswd:", "  realm: ckit-test", "  path: \(file.path)"])
  }
}
