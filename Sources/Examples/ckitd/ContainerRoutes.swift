import ContainerEngine

/// The `/containers/...` endpoints.
enum ContainerRoutes {
  static func register(on router: inout Router, engine: ContainerEngine) {
  }
}
