import Namespaces
import OCI
import Testing

/// `ChildPlan.usesMountNamespaceTemplate`: the one decision whether a container's mount namespace is built from
/// the template (the spawner lays the namespaces out by it, the child follows it).
@Suite("Plan: mount namespace template or classic copy")
struct ChildPlanTemplateTests {
  /// Docker's default container, its mount namespace offered a template.
  static func plan(_ change: (inout Spec) -> Void = { _ in }) throws -> ChildPlan {
    var spec = Spec.container(rootfs: "/var/lib/ckit/rootfs", args: ["true"])
    change(&spec)
    var plan = try ChildPlan(spec: spec, bundle: "/var/lib/ckit", cgroupView: .host()) { _ in false }
    plan.mountNamespaceTemplate = 3
    return plan
  }

  @Test("a default container takes the template; without one offered, the copy")
  func defaultPlan() throws {
    #expect(try Self.plan().usesMountNamespaceTemplate)
    var plan = try Self.plan()
    plan.mountNamespaceTemplate = nil
    #expect(!plan.usesMountNamespaceTemplate)
  }

  @Test("plans the template cannot serve the same way keep the copy")
  func refused() throws {
    let hook = Spec.Hook(path: "/bin/true")
    let cases: [(String, (inout Spec) -> Void)] = [
      (
        "user namespace",
        {
          $0.linux?.namespaces?.append(Spec.Namespace(.user))
          $0.linux?.uidMappings = [Spec.IDMapping(containerID: 0, hostID: 100_000, size: 65536)]
          $0.linux?.gidMappings = [Spec.IDMapping(containerID: 0, hostID: 100_000, size: 65536)]
        }
      ),
      (
        "joined mount namespace",
        {
          let others = ($0.linux?.namespaces ?? []).filter { $0.type != .mount }
          $0.linux?.namespaces = others + [Spec.Namespace(.mount, path: "/proc/1/ns/mnt")]
        }
      ),
      (
        "createContainer hook",
        {
          var hooks = Spec.Hooks()
          hooks.createContainer = [hook]
          $0.hooks = hooks
        }
      ),
      ("shared rootfs propagation", { $0.linux?.rootfsPropagation = "rshared" }),
      (
        "shared bind",
        { $0.mounts?.append(Spec.Mount(destination: "/d", type: "bind", source: "/srv", options: ["rshared"])) }
      ),
      ("rootfs below /proc", { $0.root?.path = "/proc/1/root" }),
      ("rootfs /", { $0.root?.path = "/" }),
    ]
    for (name, change) in cases { #expect(try !Self.plan(change).usesMountNamespaceTemplate, "\(name)") }
  }
}
