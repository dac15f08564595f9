import Foundation

/// Outbound NAT for a bridge's subnet, as an nftables table of its own (`ip ckit_<bridge>`), so that installing and
/// removing it never touches anyone else's rules.
public enum NATRules {
  public static func tableName(bridge: Bridge) -> String {
    "ckit_" + bridge.name.map { $0.isLetter || $0.isNumber ? $0 : "_" }.map(String.init).joined()
  }

  /// Installs (or replaces) the masquerade rule for traffic leaving the subnet by any interface but the bridge.
  /// With `enableForwarding`, also turns on `net.ipv4.ip_forward`, as docker does; tests leave it off.
  public static func install(bridge: Bridge, enableForwarding: Bool = false) async throws {
    let table = tableName(bridge: bridge)
    try NetCommand.run(
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
    try NetCommand.run(["nft", "delete", "table", "ip", tableName(bridge: bridge)])
  }

  public static func isInstalled(bridge: Bridge) throws -> Bool {
    let tables = try NetCommand.run(["nft", "list", "tables", "ip"])
    return tables.split(separator: "\n").contains {
      $0.trimmingCharacters(in: .whitespaces) == "table ip \(tableName(bridge: bridge))"
    }
  }

  /// The rules as nft prints them, for inspection and tests.
  public static func listing(bridge: Bridge) throws -> String {
    try NetCommand.run(["nft", "list", "table", "ip", tableName(bridge: bridge)])
  }
}
