import Glibc

/// The rtnetlink requests container networking needs (links, addresses, the default route), over a
/// ``NetlinkSocket`` of one namespace. Errors name the object and, outside the host, the namespace: "add address
/// 10.88.0.5/16 to eth0 in netns ckit-x: File exists".
struct RTNetlink {
  /// What the kernel says about a link.
  struct Link {
    var index: Int32
    var flags: UInt32
    /// `IFLA_INFO_KIND`: "bridge", "veth", "dummy"...; empty for physical devices and lo.
    var kind: String
    var isUp: Bool { flags & Netlink.interfaceUp != 0 }
  }

  let socket: NetlinkSocket
  /// " in netns NAME", or empty on the host.
  let whereabouts: String

  init(socket: NetlinkSocket, netns: String? = nil) {
    self.socket = socket
    self.whereabouts = netns.map { " in netns \($0)" } ?? ""
  }

  /// A socket in the calling thread's namespace.
  init(netns: String? = nil) throws {
    self.init(socket: try NetlinkSocket(), netns: netns)
  }

  /// The link called `name`, or nil if there is none.
  func link(named name: String) throws -> Link? {
    var m = NetlinkMessage(type: Netlink.getLink, flags: 0, header: NetlinkMessage.linkHeader())
    m.append(Netlink.linkName, string: name)
    let replies: [NetlinkReply]
    do { replies = try socket.request(m, "find link \(name)\(whereabouts)") } catch NetworkError.netlink(
      _, let e, _) where e == ENODEV
    {
      return nil
    }
    guard let r = replies.first(where: { $0.type == Netlink.newLink }), r.payload.count >= 16 else { return nil }
    let attrs = r.attributes(after: 16)
    let info = attrs[Netlink.linkInfo].map { NetlinkReply.attributes(in: $0, from: 0) } ?? [:]
    return Link(
      index: NetlinkReply.int32(r.payload, at: 4), flags: UInt32(bitPattern: NetlinkReply.int32(r.payload, at: 8)),
      kind: info[Netlink.infoKind].map(NetlinkReply.string) ?? "")
  }

  /// Creates a bridge, up. EEXIST is left to the caller, who knows whether a racing peer made it.
  func addBridge(_ name: String) throws {
    var m = NetlinkMessage(
      type: Netlink.newLink, flags: Netlink.create | Netlink.excl,
      header: NetlinkMessage.linkHeader(flags: Netlink.interfaceUp, change: Netlink.interfaceUp))
    m.append(Netlink.linkName, string: name)
    m.nest(Netlink.linkInfo) { $0.append(Netlink.infoKind, string: "bridge") }
    try socket.request(m, "create bridge \(name)\(whereabouts)")
  }

  /// Creates a veth pair in one request: `name` here, up and enslaved to `master`; `peer` directly in the namespace
  /// open at `peerNetnsFD`, with `peerMAC` (brought up from inside). No moment exists where the peer sits on the host under a
  /// temporary name.
  func addVeth(
    _ name: String, master: Link, masterName: String, peer: String, peerMAC: [UInt8], peerNetnsFD: Int32,
    peerNetns: String
  ) throws {
    var m = NetlinkMessage(
      type: Netlink.newLink, flags: Netlink.create | Netlink.excl,
      header: NetlinkMessage.linkHeader(flags: Netlink.interfaceUp, change: Netlink.interfaceUp))
    m.append(Netlink.linkName, string: name)
    m.append(Netlink.linkMaster, uint32: UInt32(bitPattern: master.index))
    m.nest(Netlink.linkInfo) {
      $0.append(Netlink.infoKind, string: "veth")
      $0.nest(Netlink.infoData) {
        $0.nest(Netlink.vethPeer) {
          // Not up yet: the kernel opens the peer before pairing the two ends, and veth_open refuses that.
          $0.appendRaw(NetlinkMessage.linkHeader())
          $0.append(Netlink.linkName, string: peer)
          $0.append(Netlink.linkAddress, peerMAC)
          $0.append(Netlink.linkNetnsFD, uint32: UInt32(bitPattern: peerNetnsFD))
        }
      }
    }
    try socket.request(
      m, "create veth \(name) on \(masterName) with peer \(peer) in netns \(peerNetns)\(whereabouts)")
  }

  /// Brings the link up by name (index 0 makes the kernel look it up by IFLA_IFNAME).
  func setUp(_ name: String, index: Int32 = 0) throws {
    var m = NetlinkMessage(
      type: Netlink.newLink, flags: 0,
      header: NetlinkMessage.linkHeader(index: index, flags: Netlink.interfaceUp, change: Netlink.interfaceUp))
    if index == 0 { m.append(Netlink.linkName, string: name) }
    try socket.request(m, "set \(name) up\(whereabouts)")
  }

  func addAddress(_ address: IPv4Address, prefixLength: Int, to link: Link, name: String) throws {
    var m = NetlinkMessage(
      type: Netlink.newAddress, flags: Netlink.create | Netlink.excl,
      header: NetlinkMessage.addressHeader(prefixLength: prefixLength, index: link.index))
    m.append(Netlink.addrLocal, address: address)
    m.append(Netlink.addrAddress, address: address)
    try socket.request(m, "add address \(address)/\(prefixLength) to \(name)\(whereabouts)")
  }

  func addDefaultRoute(via gateway: IPv4Address, dev link: Link, name: String) throws {
    var m = NetlinkMessage(
      type: Netlink.newRoute, flags: Netlink.create | Netlink.excl,
      header: NetlinkMessage.routeHeader(destinationLength: 0))
    m.append(Netlink.routeGateway, address: gateway)
    m.append(Netlink.routeOutputInterface, uint32: UInt32(bitPattern: link.index))
    try socket.request(m, "add default route via \(gateway) dev \(name)\(whereabouts)")
  }

  /// Deletes a link by name; returns false if there was none. Deleting either end of a veth deletes both.
  @discardableResult
  func deleteLink(_ name: String) throws -> Bool {
    var m = NetlinkMessage(type: Netlink.delLink, flags: 0, header: NetlinkMessage.linkHeader())
    m.append(Netlink.linkName, string: name)
    do { try socket.request(m, "delete link \(name)\(whereabouts)") } catch NetworkError.netlink(_, let e, _)
      where e == ENODEV
    {
      return false
    }
    return true
  }
}
