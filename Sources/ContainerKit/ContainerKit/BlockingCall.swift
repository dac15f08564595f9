import LinuxSystem

/// The one blocking executor, LinuxSystem's, under the name the runtime's callers have always used: code that
/// imports ContainerKit calls `BlockingCall.run { ... }` without importing LinuxSystem.
public typealias BlockingCall = LinuxSystem.BlockingCall
