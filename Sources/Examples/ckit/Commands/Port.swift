import ArgumentParser
import ContainerEngine
import Foundation

struct Port: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "port",
    abstract: "List port mappings or a specific mapping for the container")

  @OptionGroup var target: ContainerTarget
  @Argument(help: "PRIVATE_PORT[/PROTO]") var privatePort: String?

  func run() async throws {
    let ports = try await target.global.engine().port(target.container)
    if let privatePort {
      let parts = privatePort.split(separator: "/")
      let proto = parts.count > 1 ? String(parts[1]) : "tcp"
      let matches = ports.filter {
        String($0.containerPort) == parts.first.map(String.init) && $0.proto.rawValue == proto
      }
      guard !matches.isEmpty else {
        throw CkitError.invalidArgument(
          "No public port '\(privatePort)\(parts.count > 1 ? "" : "/tcp")' published for \(target.container)")
      }
      for m in matches { print("\(m.hostIP.isEmpty ? "0.0.0.0" : m.hostIP):\(m.hostPort)") }
      return
    }
    for m in ports {
      print("\(m.containerPort)/\(m.proto.rawValue) -> \(m.hostIP.isEmpty ? "0.0.0.0" : m.hostIP):\(m.hostPort)")
    }
  }
}
