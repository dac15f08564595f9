import Foundation
import OCI

/// `commit -c 'CMD ["sh"]'`: the Dockerfile instructions docker accepts there, applied to the new image's config.
package enum CommitChanges {
  package static func apply(_ changes: [String], to c: inout ImageConfiguration.ContainerConfig) throws {
    for change in changes {
      let parts = change.trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 1).map(String.init)
      let instr = parts.first?.uppercased() ?? ""
      let arg = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
      switch instr {
      case "CMD": c.cmd = commandForm(arg)
      case "ENTRYPOINT": c.entrypoint = commandForm(arg)
      case "ENV":
        let kv =
          arg.contains("=") ? arg : arg.replacingOccurrences(of: " ", with: "=", options: [], range: arg.range(of: " "))
        let key = kv.split(separator: "=").first.map(String.init) ?? ""
        c.env = (c.env ?? []).filter { !$0.hasPrefix(key + "=") } + [kv]
      case "WORKDIR": c.workingDir = arg
      case "USER": c.user = arg
      case "EXPOSE":
        var ports = c.exposedPorts ?? [:]
        for p in arg.split(separator: " ") { ports[p.contains("/") ? String(p) : "\(p)/tcp"] = EmptyObject() }
        c.exposedPorts = ports
      case "LABEL":
        var labels = c.labels ?? [:]
        let kv = arg.split(separator: "=", maxSplits: 1).map {
          $0.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        labels[kv[0]] = kv.count > 1 ? kv[1] : ""
        c.labels = labels
      case "STOPSIGNAL": c.stopSignal = arg
      default: throw EngineError.invalidArgument("\(instr) is not a valid change command")
      }
    }
  }

  /// JSON form `["a","b"]` as is; shell form wrapped in `/bin/sh -c`, as a Dockerfile does.
  package static func commandForm(_ s: String) -> [String] {
    if s.hasPrefix("["), let data = s.data(using: .utf8), let a = try? JSONDecoder().decode([String].self, from: data) {
      return a
    }
    return ["/bin/sh", "-c", s]
  }
}
