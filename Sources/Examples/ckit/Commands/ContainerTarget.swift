import ArgumentParser

/// What the commands about one container take first (diff, port, rename, top): the state root and the container.
struct ContainerTarget: ParsableArguments {
  @OptionGroup var global: GlobalOptions
  @Argument(help: "CONTAINER") var container: String
}
