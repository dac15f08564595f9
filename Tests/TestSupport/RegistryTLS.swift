import Foundation

/// A registry behind TLS with a CA generated for this run (openssl) and htpasswd Basic auth, plus a
/// `certs.d`-layout directory holding the CA, as Docker expects it under `/etc/docker/certs.d/HOST:PORT/ca.crt`.
public final class SecureLocalRegistry: Sendable {
  public let registry: LocalRegistry
  /// Pass as `certificatesDirectory`: contains `127.0.0.1:PORT/ca.crt` (and the client certificate if required).
  public let certsDirectory: URL
  /// A `certs.d` with the CA only.
  public var caOnlyDirectory: URL { dir.url.appendingPathComponent("certs-ca-only.d") }
  public let username: String
  public let password: String
  private let dir: ScratchDirectory

  public var host: String { registry.host }

  /// With `requireClientCertificate`, the registry also demands a client certificate signed by the CA, and
  /// `certsDirectory` holds one as Docker expects it (`client.cert`, `client.key`); `caOnlyDirectory` has the CA
  /// alone.
  public init(
    username: String = "ckit", password: String = "s3cret-pass", requireClientCertificate: Bool = false
  ) throws {
    self.username = username
    self.password = password
    dir = try ScratchDirectory("tls")
    let p = dir.path
    try Command.run([
      "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", "\(p)/ca.key", "-out", "\(p)/ca.crt", "-days", "2", "-subj", "/CN=ckit test CA",
    ])
    try Command.run([
      "openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", "\(p)/server.key", "-out", "\(p)/server.csr", "-subj", "/CN=127.0.0.1",
    ])
    try "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
      .write(toFile: "\(p)/ext.cnf", atomically: true, encoding: .utf8)
    try Command.run([
      "openssl", "x509", "-req", "-in", "\(p)/server.csr", "-CA", "\(p)/ca.crt", "-CAkey", "\(p)/ca.key",
      "-CAcreateserial", "-out", "\(p)/server.crt", "-days", "2", "-extfile", "\(p)/ext.cnf",
    ])
    if requireClientCertificate {
      try Command.run([
        "openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", "\(p)/client.key", "-out", "\(p)/client.csr", "-subj", "/CN=ckit client",
      ])
      try "extendedKeyUsage=clientAuth\n".write(toFile: "\(p)/client.cnf", atomically: true, encoding: .utf8)
      try Command.run([
        "openssl", "x509", "-req", "-in", "\(p)/client.csr", "-CA", "\(p)/ca.crt", "-CAkey", "\(p)/ca.key",
        "-CAcreateserial", "-out", "\(p)/client.cert", "-days", "2", "-extfile", "\(p)/client.cnf",
      ])
    }
    let htpasswd = try Command.run(["htpasswd", "-Bbn", username, password]).stdout
    try htpasswd.write(toFile: "\(p)/htpasswd", atomically: true, encoding: .utf8)
    registry = try LocalRegistry.start(
      auth: ["htpasswd:", "  realm: ckit-basic-realm", "  path: \(p)/htpasswd"],
      tls: ["certificate: \(p)/server.crt", "key: \(p)/server.key"]
        + (requireClientCertificate ? ["clientcas:", "  - \(p)/ca.crt"] : []),
      scheme: "https")
    certsDirectory = dir.url.appendingPathComponent("certs.d")
    let hostDir = certsDirectory.appendingPathComponent(registry.host)
    try FileManager.default.createDirectory(at: hostDir, withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: "\(p)/ca.crt", toPath: hostDir.appendingPathComponent("ca.crt").path)
    let caOnly = caOnlyDirectory.appendingPathComponent(registry.host)
    try FileManager.default.createDirectory(at: caOnly, withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: "\(p)/ca.crt", toPath: caOnly.appendingPathComponent("ca.crt").path)
    if requireClientCertificate {
      for f in ["client.cert", "client.key"] {
        try FileManager.default.copyItem(atPath: "\(p)/\(f)", toPath: hostDir.appendingPathComponent(f).path)
      }
    }
  }

  deinit { stop() }

  public func stop() {
    registry.stop()
    dir.remove()
  }
}
