/// A netlink request being built: the fixed family header (`ifinfomsg`, `ifaddrmsg`, `rtmsg`, `nfgenmsg`) and then
/// attributes, nested ones included, in the kernel's 4-byte-aligned TLV layout. Values are in host byte order, as
/// netlink wants, except addresses, which are in network order as the kernel keeps them.
struct NetlinkMessage {
  var type: UInt16
  var flags: UInt16
  private(set) var body: [UInt8]

  init(type: UInt16, flags: UInt16, header: [UInt8]) {
    self.type = type
    self.flags = flags
    self.body = header
  }

  mutating func append(_ attribute: UInt16, _ bytes: [UInt8]) {
    body += Self.bytes(of: UInt16(4 + bytes.count)) + Self.bytes(of: attribute) + bytes
    pad()
  }

  /// Interface names and kinds: NUL-terminated, as the kernel's `nla_strscpy` expects.
  mutating func append(_ attribute: UInt16, string: String) { append(attribute, Array(string.utf8) + [0]) }

  mutating func append(_ attribute: UInt16, uint32: UInt32) { append(attribute, Self.bytes(of: uint32)) }

  mutating func append(_ attribute: UInt16, address: IPv4Address) {
    let v = address.value
    append(attribute, [UInt8(v >> 24 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)])
  }

  /// Raw bytes inside a nest, for the peer's `ifinfomsg` of a veth.
  mutating func appendRaw(_ bytes: [UInt8]) {
    body += bytes
    pad()
  }

  /// An attribute holding attributes: `fill` appends them, and the length is set afterwards.
  mutating func nest(_ attribute: UInt16, _ fill: (inout NetlinkMessage) -> Void) {
    let start = body.count
    body += [0, 0] + Self.bytes(of: attribute)
    fill(&self)
    let length = UInt16(body.count - start)
    body[start] = UInt8(length & 0xff)
    body[start + 1] = UInt8(length >> 8)
  }

  func encoded(sequence: UInt32) -> [UInt8] {
    Self.bytes(of: UInt32(16 + body.count)) + Self.bytes(of: type) + Self.bytes(of: flags)
      + Self.bytes(of: sequence) + Self.bytes(of: UInt32(0)) + body
  }

  private mutating func pad() {
    while body.count % 4 != 0 { body.append(0) }
  }

  static func bytes<T: FixedWidthInteger>(of value: T) -> [UInt8] {
    withUnsafeBytes(of: value) { Array($0) }
  }

  // MARK: Family headers

  /// `struct ifinfomsg`: which link (index 0: by IFLA_IFNAME), and which flags to change.
  static func linkHeader(index: Int32 = 0, flags: UInt32 = 0, change: UInt32 = 0) -> [UInt8] {
    [Netlink.familyUnspec, 0] + bytes(of: UInt16(0)) + bytes(of: index) + bytes(of: flags) + bytes(of: change)
  }

  /// `struct ifaddrmsg` for an IPv4 address of universe scope.
  static func addressHeader(prefixLength: Int, index: Int32) -> [UInt8] {
    [Netlink.familyInet, UInt8(prefixLength), 0, Netlink.scopeUniverse] + bytes(of: UInt32(bitPattern: index))
  }

  /// `struct rtmsg` for an IPv4 unicast route in the main table.
  static func routeHeader(destinationLength: Int) -> [UInt8] {
    [
      Netlink.familyInet, UInt8(destinationLength), 0, 0, Netlink.tableMain, Netlink.protocolBoot,
      Netlink.scopeUniverse, Netlink.routeUnicast,
    ] + bytes(of: UInt32(0))
  }

  /// `struct nfgenmsg` (family, version 0, resource id 0).
  static func netfilterHeader(family: UInt8) -> [UInt8] { [family, 0, 0, 0] }
}
