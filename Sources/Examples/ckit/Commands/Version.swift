import ArgumentParser
import Foundation

struct VersionCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "version", abstract: "Show the ckit version information")

  @OptionGroup var format: FormatOption

  func run() async throws {
    var uts = utsname()
    uname(&uts)
    let kernel = withUnsafeBytes(of: &uts.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    let value = TemplateValue.object([
      (
        "Client",
        .object([
          ("Version", .string("0.1.0")), ("ApiVersion", .string(CkitVersion.apiVersion)), ("Os", .string("linux")),
          ("Arch", .string("amd64")), ("KernelVersion", .string(kernel)),
        ])
      )
    ])
    if let t = try format.template() {
      print(try t.render(value))
      return
    }
    print(
      """
      Client:
       Version:           0.1.0
       API version:       \(CkitVersion.apiVersion)
       OS/Arch:           linux/amd64
       Kernel:            \(kernel)
       Daemonless:        true (per-container ckit-monitor)
      """)
  }
}
