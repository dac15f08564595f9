import ArgumentParser
import ContainerEngine
import Foundation

/// Options every command takes: where the state is.
struct GlobalOptions: ParsableArguments {
  /// `--root`, else `$CKIT_ROOT` (which `ckit --root R` sets), else `/var/lib/ckit`. Read with getenv: the
  /// parser makes this value several times per command, and ProcessInfo's `environment` builds a dictionary of
  /// the whole environment at each call.
  @Option(name: .customLong("root"), help: "Root of the ckit state (containers, images, volumes)")
  var root: String = getenv("CKIT_ROOT").map { String(cString: $0) } ?? "/var/lib/ckit"
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

  /// Prints `value` through the template when `--format` gives one, and says whether it did: the commands that
  /// show one value (info, version) print their own text otherwise.
  func printed(_ value: TemplateValue) throws -> Bool {
    guard let t = try template() else { return false }
    print(try t.render(value))
    return true
  }
}
