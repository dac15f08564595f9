import Foundation
import LinuxSystem

/// Errors from container networking. Each names the object that was wrong, in docker's words where docker has them,
/// so that `ckit` can print them as they are.
public enum NetworkError: Error, Sendable, Equatable, CustomStringConvertible {
  case invalidAddress(String)
  case invalidSubnet(String)
  case invalidPortSpec(String, reason: String)
  case invalidNetworkMode(String)
  case portInUse(hostIP: String, port: Int, proto: PortProtocol)
  case addressPoolExhausted(subnet: String)
  case commandFailed(command: [String], status: Int32, output: String)
  case stateFile(path: String, reason: String)
  case socket(operation: String, errno: Int32)
  /// The kernel refused a netlink request. `operation` names the objects ("add address 10.88.0.5/16 to eth0 in
  /// netns ckit-x"); `message` is the kernel's extended-ack text, empty when it gave none.
  case netlink(operation: String, errno: Int32, message: String)
  /// Creating, entering or removing a named network namespace failed ("create netns ckit-x: ...").
  case namespace(operation: String, errno: Int32)

  public var description: String {
    switch self {
    case .invalidAddress(let a): "invalid IPv4 address: \(a)"
    case .invalidSubnet(let s): "invalid subnet: \(s)"
    case .invalidPortSpec(let spec, let reason): "invalid port specification \"\(spec)\": \(reason)"
    case .invalidNetworkMode(let m): "network \(m) not found"
    case .portInUse(let ip, let port, let proto):
      "Bind for \(ip.isEmpty ? "0.0.0.0" : ip):\(port)\(proto == .udp ? "/udp" : "") failed: port is already allocated"
    case .addressPoolExhausted(let s): "no available IPv4 addresses in \(s)"
    case .commandFailed(let command, let status, let output):
      "\(command.joined(separator: " ")) exited \(status): \(output.trimmingCharacters(in: .whitespacesAndNewlines))"
    case .stateFile(let path, let reason): "network state \(path): \(reason)"
    case .socket(let op, let e): "\(op): \(SystemError.reason(e))"
    case .netlink(let op, let e, let message):
      "\(op): \(SystemError.reason(e))\(message.isEmpty ? "" : " (\(message))")"
    case .namespace(let op, let e): "\(op): \(SystemError.reason(e))"
    }
  }
}
