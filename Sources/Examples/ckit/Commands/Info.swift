import ArgumentParser
import Foundation

struct Info: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "info", abstract: "Display system-wide information")

  @OptionGroup var global: GlobalOptions
  @OptionGroup var format: FormatOption

  func run() async throws {
    let store = global.containers
    let records = (try? store.all()) ?? []
    let statuses = records.map { store.status($0) }
    let images = (try? await Engines.current(global.state).images()) ?? []
    var uts = utsname()
    uname(&uts)
    let kernel = withUnsafeBytes(of: &uts.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    let cgroupVersion = FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cgroup.controllers") ? "2" : "1"
    let value = TemplateValue.object([
      ("Containers", .int(Int64(records.count))),
      ("ContainersRunning", .int(Int64(statuses.filter { $0.phase == .running }.count))),
      ("ContainersPaused", .int(Int64(statuses.filter { $0.phase == .paused }.count))),
      ("ContainersStopped", .int(Int64(statuses.filter { !$0.isRunning }.count))),
      ("Images", .int(Int64(images.count))), ("Driver", .string("overlay2")), ("LoggingDriver", .string("json-file")),
      ("CgroupVersion", .string(cgroupVersion)), ("KernelVersion", .string(kernel)),
      ("OperatingSystem", .string(Self.osName())), ("NCPU", .int(Int64(ProcessInfo.processInfo.activeProcessorCount))),
      ("MemTotal", .int(Int64(ProcessInfo.processInfo.physicalMemory))), ("DockerRootDir", .string(global.root)),
      ("Name", .string(ProcessInfo.processInfo.hostName)),
    ])
    if let t = try format.template() {
      print(try t.render(value))
      return
    }
    func v(_ k: String) -> String { value[k]?.description ?? "" }
    print(
      """
      Client:
       Version:    0.1.0

      Server:
       Containers: \(v("Containers"))
        Running: \(v("ContainersRunning"))
        Paused: \(v("ContainersPaused"))
        Stopped: \(v("ContainersStopped"))
       Images: \(v("Images"))
       Storage Driver: overlay2
       Logging Driver: json-file
       Cgroup Version: \(cgroupVersion)
       Kernel Version: \(kernel)
       Operating System: \(v("OperatingSystem"))
       CPUs: \(v("NCPU"))
       Total Memory: \(HumanFormat.binarySize(Int64(ProcessInfo.processInfo.physicalMemory)))
       Name: \(v("Name"))
       Docker Root Dir: \(global.root)
      """)
  }

  static func osName() -> String {
    guard let text = try? String(contentsOfFile: "/etc/os-release", encoding: .utf8) else { return "Linux" }
    for line in text.split(separator: "\n") where line.hasPrefix("PRETTY_NAME=") {
      return line.dropFirst("PRETTY_NAME=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    }
    return "Linux"
  }
}
