import Foundation

/// Outbound NAT for a bridge's subnet, as an nftables table of its own (`ip ckit_<bridge>`), so that installing and
/// removing it never touches anyone else's rules. Written with `nft -f -`, one atomic batch per bridge, the first
/// time a container needs it; no rule is per container (published ports go through the monitor's proxy).
public enum NATRules {
  public static func tableName(bridge: Bridge) -> String {
    "ckit_" + bridge.name.map { $0.isLetter || $0.isNumber ? $0 : "_" }.map(String.init).joined()
  }

  /// Installs (or replaces) the masquerade rule for traffic leaving the subnet by any interface but the bridge.
  /// With `enableForwarding`, also turns on `net.ipv4.ip_forward`, as docker does; tests leave it off.
  public static func install(bridge: Bridge, enableForwarding: Bool = false) async throws {
    let table = tableName(bridge: bridge)
    try await NetCommand.run(
      ["nft", "-f", "-"],
      stdin: """
        table ip \(table)
        delete table ip \(table)
        table ip \(table) {
          chain postrouting {
            type nat hook postrouting priority srcnat; policy accept;
            ip saddr \(bridge.subnet) oifname != "\(bridge.name)" masquerade
          }
          chain forward {
            type filter hook forward priority filter; policy accept;
            iifname "\(bridge.name)" accept
            oifname "\(bridge.name)" ct state established,related accept
          }
        }

        """)
    if enableForwarding {
      try? "1\n".write(toFile: "/proc/sys/net/ipv4/ip_forward", atomically: false, encoding: .utf8)
    }
  }

  /// Removes the table; absent is fine.
  public static func remove(bridge: Bridge) async throws {
    guard try isInstalled(bridge: bridge) else { return }
    try await NetCommand.run(["nft", "delete", "table", "ip", tableName(bridge: bridge)])
  }

  /// Asks nf_tables directly over netlink (one round trip, no `nft` process), so a container start that finds
  /// the table in place runs no nftables command at all.
  public static func isInstalled(bridge: Bridge) throws -> Bool {
    let table = tableName(bridge: bridge)
    let socket = try NetlinkSocket(protocol: Netlink.netfilterProtocol)
    var m = NetlinkMessage(
      type: Netlink.nftGetTable, flags: 0, header: NetlinkMessage.netfilterHeader(family: Netlink.nfprotoIPv4))
    m.append(Netlink.nftTableName, string: table)
    do {
      try socket.request(m, "find nftables table ip \(table)")
      return true
    } catch NetworkError.netlink(_, let e, _) where e == ENOENT {
      return false
    }
  }

  /// The rules as nft prints them, for inspection and tests.
  public static func listing(bridge: Bridge) async throws -> String {
    try await NetCommand.run(["nft", "list", "table", "ip", tableName(bridge: bridge)])
  }
}
