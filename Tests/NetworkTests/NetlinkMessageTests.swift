import Foundation
import Testing

@testable import ContainerNetwork

/// The wire format, byte for byte, against the layout in the kernel's UAPI headers; and parsing that never reads
/// past a short or lying buffer.
@Suite struct NetlinkMessageTests {
  @Test func bridgeCreationEncodesAsTheKernelLaysItOut() {
    var m = NetlinkMessage(
      type: Netlink.newLink, flags: Netlink.request | Netlink.ack | Netlink.create | Netlink.excl,
      header: NetlinkMessage.linkHeader(flags: Netlink.interfaceUp, change: Netlink.interfaceUp))
    m.append(Netlink.linkName, string: "br0")
    m.nest(Netlink.linkInfo) { $0.append(Netlink.infoKind, string: "bridge") }
    let expected: [UInt8] =
      [56, 0, 0, 0, 16, 0, 0x05, 0x06, 7, 0, 0, 0, 0, 0, 0, 0]  // nlmsghdr: len 56, RTM_NEWLINK, flags, seq 7
      + [0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]  // ifinfomsg: index 0, IFF_UP in flags and change
      + [8, 0, 3, 0] + Array("br0".utf8) + [0]  // IFLA_IFNAME
      + [16, 0, 18, 0]  // IFLA_LINKINFO, 16 bytes with its nested attribute
      + [11, 0, 1, 0] + Array("bridge".utf8) + [0, 0]  // IFLA_INFO_KIND, 11 bytes, padded to 12
    #expect(m.encoded(sequence: 7) == expected)
  }

  @Test func addressesAreInNetworkOrderAndNestsCarryTheirLength() {
    var m = NetlinkMessage(
      type: Netlink.newAddress, flags: 0, header: NetlinkMessage.addressHeader(prefixLength: 16, index: 5))
    m.append(Netlink.addrLocal, address: IPv4Address(0x0A58_0005))
    #expect(m.body == [2, 16, 0, 0, 5, 0, 0, 0, 8, 0, 2, 0, 10, 88, 0, 5])

    var veth = NetlinkMessage(type: Netlink.newLink, flags: 0, header: NetlinkMessage.linkHeader())
    veth.nest(Netlink.linkInfo) {
      $0.append(Netlink.infoKind, string: "veth")
      $0.nest(Netlink.infoData) {
        $0.nest(Netlink.vethPeer) {
          $0.appendRaw(NetlinkMessage.linkHeader())
          $0.append(Netlink.linkName, string: "eth0")
        }
      }
    }
    let info = NetlinkReply.attributes(in: veth.body, from: 16)[Netlink.linkInfo] ?? []
    // kind (12) + data header (4) + peer header (4) + ifinfomsg (16) + name (12)
    #expect(info.count == 48)
    let data = NetlinkReply.attributes(in: info, from: 0)[Netlink.infoData] ?? []
    let peer = NetlinkReply.attributes(in: data, from: 0)[Netlink.vethPeer] ?? []
    #expect(NetlinkReply.attributes(in: peer, from: 16)[Netlink.linkName].map(NetlinkReply.string) == "eth0")
  }

  @Test func parsingStopsAtTruncatedOrLyingAttributes() {
    // A length of 200 in a 12-byte buffer, a length below the header size, and a buffer cut mid-header.
    #expect(NetlinkReply.attributes(in: [200, 0, 3, 0, 1, 2, 3, 4, 5, 6, 7, 8], from: 0).isEmpty)
    #expect(NetlinkReply.attributes(in: [2, 0, 3, 0, 1, 2, 3, 4], from: 0).isEmpty)
    #expect(NetlinkReply.attributes(in: [8, 0], from: 0).isEmpty)
    let good: [UInt8] = [8, 0, 3, 0, 0x6c, 0x6f, 0, 0, 99, 0, 1, 0]
    #expect(NetlinkReply.attributes(in: good, from: 0) == [3: [0x6c, 0x6f, 0, 0]])
    #expect(NetlinkReply.int32([1, 2], at: 0) == 0)
  }

  @Test func theKernelsExtendedAckMessageIsRead() {
    // nlmsgerr: error -17, the capped echo of the request header, then NLMSGERR_ATTR_MSG.
    let text = Array("Unknown device type".utf8) + [0]
    var payload: [UInt8] = [0xef, 0xff, 0xff, 0xff] + [UInt8](repeating: 0, count: 16)
    payload += NetlinkMessage.bytes(of: UInt16(4 + text.count)) + [1, 0] + text
    #expect(NetlinkSocket.kernelMessage(payload, flags: Netlink.capped | Netlink.ackTLVs) == "Unknown device type")
    #expect(NetlinkSocket.kernelMessage(payload, flags: Netlink.capped) == "")
  }

  @Test func errorsNameTheObjectAndTheNamespace() {
    let e = NetworkError.netlink(
      operation: "add address 10.88.0.5/16 to eth0 in netns ckit-x", errno: EEXIST, message: "")
    #expect(e.description == "add address 10.88.0.5/16 to eth0 in netns ckit-x: File exists")
    let k = NetworkError.netlink(operation: "create bridge b", errno: EOPNOTSUPP, message: "Unknown device type")
    #expect(k.description == "create bridge b: Operation not supported (Unknown device type)")
    #expect(NetlinkThread.displayName(netns: "/run/netns/ckit-x") == "ckit-x")
    #expect(NetlinkThread.displayName(netns: "/proc/42/ns/net") == "/proc/42/ns/net")
  }
}
