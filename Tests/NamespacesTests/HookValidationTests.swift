import OCI
import Testing

/// The runtime spec's rules for hooks, checked before anything is created.
@Suite struct HookValidationTests {
  func spec(_ edit: (inout Spec.Hooks) -> Void) -> Spec {
    var spec = Spec.container(rootfs: "/r", args: ["true"])
    var hooks = Spec.Hooks()
    edit(&hooks)
    spec.hooks = hooks
    return spec
  }

  @Test func aHookNeedsAnAbsolutePathAndATimeoutAboveZero() throws {
    #expect(throws: SpecError.invalidField("hooks.createContainer[1].path", reason: "must be absolute, got \"sh\"")) {
      try spec { $0.createContainer = [Spec.Hook(path: "/bin/true"), Spec.Hook(path: "sh")] }.validate()
    }
    #expect(
      throws: SpecError.invalidField("hooks.startContainer[0].timeout", reason: "must be positive, got 0")
    ) {
      try spec { $0.startContainer = [Spec.Hook(path: "/bin/true", timeout: 0)] }.validate()
    }
    #expect(throws: SpecError.invalidField("hooks.poststop[0].timeout", reason: "must be positive, got -1")) {
      try spec { $0.poststop = [Spec.Hook(path: "/bin/true", timeout: -1)] }.validate()
    }
    try spec {
      $0.prestart = [Spec.Hook(path: "/bin/true", timeout: 5)]
      $0.startContainer = [Spec.Hook(path: "/bin/sh", args: ["sh", "-c", "true"])]
    }.validate()
  }
}
