/// The transport of a published port, spelled as docker spells it in `-p 53:53/udp`.
public enum PortProtocol: String, Sendable, Hashable, Codable, CaseIterable {
  case tcp
  case udp
}
