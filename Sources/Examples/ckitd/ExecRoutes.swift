import ContainerEngine

/// `/containers/{id}/exec` and `/exec/{id}/...`.
enum ExecRoutes {
  static func register(on router: inout Router, engine: ContainerEngine) {
  }
}
