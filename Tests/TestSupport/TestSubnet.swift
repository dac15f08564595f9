import Foundation
import Synchronization

/// Subnets for the bridges tests make, one per test.
///
/// Two bridges of tests running at once on the same subnet both get a connected route for it, and traffic for one
/// container goes to the other's bridge. A random pick alone collides now and then (a few in a thousand runs of the
/// suite); this one never hands out a subnet twice in a process and skips any the host already routes (another
/// test process, a real `ckit0`).
public enum TestSubnet {
  private static let handedOut = Mutex<Set<UInt32>>([])

  /// `10.A.B.0/prefixLength` with A in `secondOctet`, free as far as this process and the host's routes tell.
  public static func next(secondOctet: ClosedRange<Int>, prefixLength: Int = 24) -> String {
    let routed = routes()
    let mask: UInt32 = prefixLength == 0 ? 0 : ~UInt32(0) << UInt32(32 - prefixLength)
    while true {
      let network = UInt32(10) << 24 | UInt32(Int.random(in: secondOctet)) << 16 | UInt32(Int.random(in: 0...255)) << 8
      let overlaps = routed.contains { route in
        let common = route.mask & mask
        return route.mask != 0 && network & common == route.destination & common
      }
      if overlaps { continue }
      let fresh = handedOut.withLock { $0.insert(network & 0xFFFF_FF00).inserted }
      if fresh {
        return "\(network >> 24).\(network >> 16 & 0xFF).\(network >> 8 & 0xFF).\(network & 0xFF)/\(prefixLength)"
      }
    }
  }

  /// The host's IPv4 routes (main table), from /proc/net/route: destination and mask in host byte order.
  static func routes() -> [(destination: UInt32, mask: UInt32)] {
    guard let text = try? String(contentsOfFile: "/proc/net/route", encoding: .utf8) else { return [] }
    return text.split(separator: "\n").dropFirst().compactMap { line in
      let fields = line.split(whereSeparator: { $0 == "\t" || $0 == " " })
      guard fields.count > 7, let dest = UInt32(fields[1], radix: 16), let mask = UInt32(fields[7], radix: 16) else {
        return nil
      }
      // The file holds them as the kernel stores them: network byte order, printed as a little-endian word.
      return (UInt32(bigEndian: dest), UInt32(bigEndian: mask))
    }
  }
}
