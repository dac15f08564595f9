import ContainerNetwork
import Foundation
import NIOCore
import Testing

@testable import ContainerEngine
@testable import ckitd

/// `GET /containers/json`'s rows kept written between requests: the same bytes as summaries written afresh, with
/// the status of the time asked and every change of a container shown.
@Suite struct ContainerSummaryCacheTests {
  func info(_ name: String, network: NetworkMode = .none) -> ContainerInfo {
    let id = ContainerStore.newID()
    let record = ContainerRecord(
      id: id, name: name, created: Date(timeIntervalSince1970: 1_796_000_000), image: "busybox",
      imageID: "sha256:abc", config: ContainerConfig(hostname: String(id.prefix(12))), hostConfig: HostConfig())
    var info = ContainerInfo(record, LiveStatus.of(record, monitor: nil))
    info.network = network
    return info
  }

  func fresh(_ containers: [ContainerInfo], now: Date, bridge: (gateway: String, prefix: Int)?) -> ByteBuffer {
    ByteBuffer(
      bytes: JSON.array(containers.map { ContainerJSON.summary($0, now: now, bridge: bridge) })
        .bytes(terminator: UInt8(ascii: "\n")))
  }

  @Test func keptRowsAreTheBytesOfFreshOnes() {
    var plain = info("plain")
    plain.labels = ["html": "<a & b>", "quote": "say \"hi\"\n"]
    plain.mounts = ["/host:/data:ro"]
    var served = info("served", network: .bridge)
    served.address = "10.88.0.5"
    served.state = .running
    served.startedAt = Date(timeIntervalSince1970: 1_796_000_100)
    served.ports = [PortMapping(hostIP: "127.0.0.1", hostPort: 8888, containerPort: 80)]
    var ended = info("ended")
    ended.state = .exited
    ended.exitCode = 3
    ended.finishedAt = Date(timeIntervalSince1970: 1_796_000_200)
    let bridge = (gateway: "10.88.0.1", prefix: 16)
    let cache = ContainerSummaryCache()
    var containers = [plain, served, ended]
    let now = Date(timeIntervalSince1970: 1_796_000_300)

    #expect(cache.array(containers, now: now, bridge: bridge) == fresh(containers, now: now, bridge: bridge))
    // Kept: the same again, and the status of a later time ("Up 2 hours", "Exited (3) 2 hours ago").
    #expect(cache.array(containers, now: now, bridge: bridge) == fresh(containers, now: now, bridge: bridge))
    let later = now.addingTimeInterval(7200)
    let kept = cache.array(containers, now: later, bridge: bridge)
    #expect(kept == fresh(containers, now: later, bridge: bridge))
    #expect(String(buffer: kept).contains("Exited (3) 2 hours ago"))
    // Any change of a container, or of the bridge, is written afresh.
    containers[0].labels["html"] = "changed"
    containers[2].state = .running
    #expect(cache.array(containers, now: later, bridge: bridge) == fresh(containers, now: later, bridge: bridge))
    let moved = (gateway: "10.89.0.1", prefix: 24)
    #expect(cache.array(containers, now: later, bridge: moved) == fresh(containers, now: later, bridge: moved))
    #expect(cache.array([], now: later, bridge: nil) == ByteBuffer(string: "[]\n"))
  }
}
