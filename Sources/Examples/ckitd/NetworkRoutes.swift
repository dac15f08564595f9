import ContainerEngine
import ContainerNetwork
import NIOHTTP1

/// `/networks`: the list and inspect of Docker's predefined networks (`bridge`, `host`, `none`), which are ckit's
/// network modes. Creating, removing or connecting networks is refused: ckit has no user-defined networks.
enum NetworkRoutes {
  static func register(on router: inout Router, engine: ContainerEngine) {
    router.add(.GET, "/networks") { request, response in
      let networks: [DockerNetworkJSON.Predefined]
      do { networks = try DockerNetworkJSON.list(filters: try Filters.parse(request.query("filters"))) } catch let error
        as DockerNetworkJSON.FilterError
      {
        throw APIError.badRequest(error.description)
      }
      try await response.json(.array(networks.map { DockerNetworkJSON.network($0) }))
    }

    router.add(.GET, "/networks/{id}") { request, response in
      let id = request.parameter("id")
      guard let network = DockerNetworkJSON.find(id) else { throw APIError(.notFound, "network \(id) not found") }
      guard network.name == "bridge" else {
        try await response.json(DockerNetworkJSON.network(network))
        return
      }
      // The running containers on the bridge; the first tells the bridge's gateway and prefix.
      let running = try await engine.list(all: false).filter { $0.address != nil && $0.network == .bridge }
      var subnet: IPv4Subnet? = nil
      if let first = running.first {
        let settings = try await engine.inspect(first.id).networkSettings
        subnet = DockerNetworkJSON.subnet(gateway: settings.gateway, prefix: settings.ipPrefixLen)
      }
      let attached = running.map {
        DockerNetworkJSON.Attached(id: $0.id, name: $0.name, address: $0.address ?? "")
      }
      try await response.json(DockerNetworkJSON.network(network, subnet: subnet, attached: attached))
    }

    let unsupported: Router.Handler = { _, _ in
      throw APIError(.notImplemented, "user-defined networks are not supported by ckitd (bridge, host and none only)")
    }
    router.add(.POST, "/networks/create", unsupported)
    router.add(.DELETE, "/networks/{id}", unsupported)
    router.add(.POST, "/networks/{id}/connect", unsupported)
    router.add(.POST, "/networks/{id}/disconnect", unsupported)
    router.add(.POST, "/networks/prune") { _, response in try await response.json(["NetworksDeleted": nil]) }
  }
}
