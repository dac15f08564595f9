import ContainerEngine

/// ckit's errors are the engine's: their words are docker's, so the CLI prints them as they are.
typealias CkitError = EngineError
