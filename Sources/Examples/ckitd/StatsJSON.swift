import ContainerEngine

/// A stats reading in dockerd's JSON shape (cgroup v1 fields: the CLI's `docker stats` computes CPU % from
/// `cpu_stats`/`precpu_stats` and memory from `memory_stats.usage` less `stats.total_inactive_file`).
enum StatsJSON {
  static func stats(_ s: ContainerStats, id: String, name: String) -> JSON {
    let cpu: (UInt64, UInt64) -> JSON = { usage, system in
      [
        "cpu_usage": ["total_usage": .number(usage), "usage_in_kernelmode": 0, "usage_in_usermode": .number(usage)],
        "system_cpu_usage": .number(system), "online_cpus": .number(s.onlineCPUs),
        "throttling_data": ["periods": 0, "throttled_periods": 0, "throttled_time": 0],
      ]
    }
    let previousRead =
      s.previousSystemCPUUsage == 0 ? DockerTime.zero : DockerTime.rfc3339(s.read.addingTimeInterval(-1))
    return [
      "name": .string(name.hasPrefix("/") ? name : "/" + name), "id": .string(id),
      "read": .string(DockerTime.rfc3339(s.read)), "preread": .string(previousRead),
      "pids_stats": ["current": .number(s.pids)],
      "blkio_stats": [
        "io_service_bytes_recursive": [
          ["major": 0, "minor": 0, "op": "read", "value": .number(s.blockRead)],
          ["major": 0, "minor": 0, "op": "write", "value": .number(s.blockWrite)],
        ],
        "io_serviced_recursive": nil, "io_queue_recursive": nil, "io_service_time_recursive": nil,
        "io_wait_time_recursive": nil, "io_merged_recursive": nil, "io_time_recursive": nil,
        "sectors_recursive": nil,
      ],
      "num_procs": 0, "storage_stats": [:],
      "cpu_stats": cpu(s.cpuUsage, s.systemCPUUsage),
      "precpu_stats": cpu(s.previousCPUUsage, s.previousSystemCPUUsage),
      "memory_stats": [
        "usage": .number(s.memoryUsage + s.memoryCache),
        "stats": ["total_inactive_file": .number(s.memoryCache), "cache": .number(s.memoryCache)],
        "limit": .number(s.memoryLimit),
      ],
      "networks": [
        "eth0": [
          "rx_bytes": .number(s.networkReceived), "rx_packets": 0, "rx_errors": 0, "rx_dropped": 0,
          "tx_bytes": .number(s.networkSent), "tx_packets": 0, "tx_errors": 0, "tx_dropped": 0,
        ]
      ],
    ]
  }
}
