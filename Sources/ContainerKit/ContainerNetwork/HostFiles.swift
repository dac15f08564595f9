import Foundation
import OCI

/// The three files docker writes for every container and bind-mounts over `/etc`: `hosts`, `resolv.conf` and
/// `hostname`. Generated here as text so they can be checked without a container, and written per container so that
/// editing them inside never changes the image or the host.
public enum HostFiles {
  /// Docker's `/etc/hosts`: loopback names, the IPv6 multicast names, then the container's own address.
  public static func hosts(hostname: String, address: IPv4Address?, extraHosts: [(name: String, address: String)] = [])
    -> String
  {
    var s = """
      127.0.0.1\tlocalhost
      ::1\tlocalhost ip6-localhost ip6-loopback
      fe00::0\tip6-localnet
      ff00::0\tip6-mcastprefix
      ff02::1\tip6-allnodes
      ff02::2\tip6-allrouters

      """
    for h in extraHosts { s += "\(h.address)\t\(h.name)\n" }
    if let address { s += "\(address)\t\(hostname)\n" }
    return s
  }

  /// The container's `resolv.conf`, from the host's: loopback nameservers (a local stub resolver) cannot be reached
  /// from a private namespace, so they are dropped and, if nothing is left, docker's public defaults are used.
  /// With the host's network the file is kept as it is.
  public static func resolvConf(host: String, keepLoopback: Bool = false) -> String {
    var lines = [String]()
    var nameservers = 0
    for raw in host.split(separator: "\n", omittingEmptySubsequences: false) {
      let line = raw.trimmingCharacters(in: .whitespaces)
      let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
      if fields.first == "nameserver", fields.count >= 2 {
        let ns = String(fields[1])
        if !keepLoopback, ns.hasPrefix("127.") || ns == "::1" { continue }
        nameservers += 1
      }
      lines.append(String(raw))
    }
    while let last = lines.last, last.trimmingCharacters(in: .whitespaces).isEmpty { lines.removeLast() }
    if nameservers == 0 {
      lines.append("nameserver 8.8.8.8")
      lines.append("nameserver 8.8.4.4")
    }
    return lines.joined(separator: "\n") + "\n"
  }

  public static func hostname(_ name: String) -> String { name + "\n" }

  /// Writes `hosts`, `resolv.conf` and `hostname` into `directory` and returns their paths by container path
  /// (`/etc/hosts` and so on), ready to become bind mounts.
  public static func write(
    to directory: String, hostname: String, address: IPv4Address?, mode: NetworkMode,
    hostResolvConf: String = "/etc/resolv.conf", extraHosts: [(name: String, address: String)] = []
  ) async throws -> [String: String] {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let hostResolv = (try? String(contentsOfFile: hostResolvConf, encoding: .utf8)) ?? ""
    let files: [(String, String, String)]
    switch mode {
    case .host:
      let hostHosts =
        (try? String(contentsOfFile: "/etc/hosts", encoding: .utf8)) ?? hosts(hostname: hostname, address: nil)
      files = [
        ("/etc/hosts", "hosts", hostHosts),
        ("/etc/resolv.conf", "resolv.conf", resolvConf(host: hostResolv, keepLoopback: true)),
        ("/etc/hostname", "hostname", Self.hostname(hostname)),
      ]
    default:
      files = [
        ("/etc/hosts", "hosts", hosts(hostname: hostname, address: address, extraHosts: extraHosts)),
        ("/etc/resolv.conf", "resolv.conf", resolvConf(host: hostResolv)),
        ("/etc/hostname", "hostname", Self.hostname(hostname)),
      ]
    }
    var out = [String: String]()
    for (target, name, content) in files {
      let path = directory + "/" + name
      // Made again at every start: replaced whole, but not flushed to disk. Bound into the container, where
      // its non-root users read them: 0644 (the directory above stays private to root).
      do { try StateFile.replace(path, with: Data(content.utf8), durable: false, mode: 0o644) } catch {
        throw NetworkError.stateFile(path: path, reason: "\(error)")
      }
      out[target] = path
    }
    return out
  }
}
