import ContainerEngine

/// Every endpoint of ckitd, registered by area (see Router.swift for the registration interface).
enum Routes {
  static func all(engine: ContainerEngine) -> Router {
    var router = Router()
    let attaches = AttachRegistry()
    SystemRoutes.register(on: &router, engine: engine)
    ContainerRoutes.register(on: &router, engine: engine, attaches: attaches)
    ContainerStreamRoutes.register(on: &router, engine: engine, attaches: attaches)
    ExecRoutes.register(on: &router, engine: engine, attaches: attaches)
    ImageRoutes.register(on: &router, engine: engine)
    BuildRoutes.register(on: &router, engine: engine)
    VolumeRoutes.register(on: &router, engine: engine)
    NetworkRoutes.register(on: &router, engine: engine)
    return router
  }
}
