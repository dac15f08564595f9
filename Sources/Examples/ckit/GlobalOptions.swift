import ArgumentParser
import ContainerEngine
import Foundation

/// Options every command takes: where the state is.
struct GlobalOptions: ParsableArguments {
  @Option(name: .customLong("root"), help: "Root of the ckit state (containers, images, volumes)")
  var root: String = ProcessInfo.processInfo.environment["CKIT_ROOT"] ?? "/var/lib/ckit"
}

/// `--format`: a Go template, `table ...`, or `json`.
struct FormatOption: ParsableArguments {
  @Option(
    name: .customLong("format"),
    help: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', or 'TEMPLATE'")
  var format: String?

  func template() throws -> GoTemplate? {
    guard let format, format != "table" else { return nil }
    return try GoTemplate(format)
  }
}
