import CContainerKit
import ContainerKit
import Foundation

/// Waits for a monitor process to end without polling: a pidfd becomes readable when its process exits, whether
/// or not it is our child, and a pid reused meanwhile cannot fool it.
enum MonitorWatch {
  /// Whether `pid` ended within `timeout` seconds (nil: no limit). A pid already gone counts as ended.
  static func waitForExit(_ pid: pid_t, timeout: Double?) async -> Bool {
    let fd = ck_pidfd_open(pid)
    guard fd >= 0 else { return errno == ESRCH }
    defer { close(fd) }
    let ms = timeout.map { Int32(max(0, min($0 * 1000, Double(Int32.max)))) } ?? -1
    return await BlockingCall.run {
      var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      while true {
        let n = poll(&p, 1, ms)
        if n < 0, errno == EINTR { continue }
        return n > 0
      }
    }
  }
}
