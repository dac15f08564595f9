/// Numbers from the kernel's netlink UAPI (`linux/netlink.h`, `linux/rtnetlink.h`, `linux/if_link.h`,
/// `linux/veth.h`, `linux/netfilter/nf_tables.h`). They are kernel ABI and never change, so they are spelled out
/// here rather than imported through a C module whose headers clash with Glibc's `net/if.h`.
enum Netlink {
  static let routeProtocol: Int32 = 0  // NETLINK_ROUTE
  static let netfilterProtocol: Int32 = 12  // NETLINK_NETFILTER
  static let solNetlink: Int32 = 270  // SOL_NETLINK
  static let capAck: Int32 = 10  // NETLINK_CAP_ACK: errors echo only the request's header
  static let extAck: Int32 = 11  // NETLINK_EXT_ACK: errors carry the kernel's message

  // nlmsghdr types and flags
  static let error: UInt16 = 2  // NLMSG_ERROR
  static let done: UInt16 = 3  // NLMSG_DONE
  static let request: UInt16 = 0x1
  static let multi: UInt16 = 0x2
  static let ack: UInt16 = 0x4
  static let dump: UInt16 = 0x300
  static let excl: UInt16 = 0x200
  static let create: UInt16 = 0x400
  static let capped: UInt16 = 0x100  // NLM_F_CAPPED, on NLMSG_ERROR
  static let ackTLVs: UInt16 = 0x200  // NLM_F_ACK_TLVS, on NLMSG_ERROR
  static let errorAttributeMessage: UInt16 = 1  // NLMSGERR_ATTR_MSG

  // rtnetlink message types
  static let newLink: UInt16 = 16
  static let delLink: UInt16 = 17
  static let getLink: UInt16 = 18
  static let newAddress: UInt16 = 20
  static let newRoute: UInt16 = 24

  // IFLA_* (link attributes)
  static let linkAddress: UInt16 = 1
  static let linkName: UInt16 = 3
  static let linkMaster: UInt16 = 10
  static let linkInfo: UInt16 = 18
  static let linkNetnsFD: UInt16 = 28
  static let infoKind: UInt16 = 1  // IFLA_INFO_KIND
  static let infoData: UInt16 = 2  // IFLA_INFO_DATA
  static let vethPeer: UInt16 = 1  // VETH_INFO_PEER

  // IFA_* and RTA_*
  static let addrAddress: UInt16 = 1
  static let addrLocal: UInt16 = 2
  static let routeOutputInterface: UInt16 = 4  // RTA_OIF
  static let routeGateway: UInt16 = 5

  static let familyUnspec: UInt8 = 0
  static let familyInet: UInt8 = 2
  static let interfaceUp: UInt32 = 1  // IFF_UP
  static let loopbackIndex: Int32 = 1  // LOOPBACK_IFINDEX: lo in every network namespace
  static let tableMain: UInt8 = 254
  static let protocolBoot: UInt8 = 3  // RTPROT_BOOT, what `ip route add` uses
  static let scopeUniverse: UInt8 = 0
  static let routeUnicast: UInt8 = 1

  // nfnetlink / nf_tables
  static let nftGetTable: UInt16 = 10 << 8 | 1  // NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_GETTABLE
  static let nftTableName: UInt16 = 1  // NFTA_TABLE_NAME
  static let nfprotoIPv4: UInt8 = 2
}
