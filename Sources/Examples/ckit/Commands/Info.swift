import ArgumentParser
import ContainerEngine
import Foundation

struct Info: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "info", abstract: "Display system-wide information")

  @OptionGroup var global: GlobalOptions
  @OptionGroup var format: FormatOption

  func run() async throws {
    let info = try await global.engine().info()
    let value = TemplateValue.object([
      ("Containers", .int(Int64(info.containers))), ("ContainersRunning", .int(Int64(info.containersRunning))),
      ("ContainersPaused", .int(Int64(info.containersPaused))),
      ("ContainersStopped", .int(Int64(info.containersStopped))), ("Images", .int(Int64(info.images))),
      ("Driver", .string(info.driver)), ("LoggingDriver", .string(info.loggingDriver)),
      ("CgroupVersion", .string(info.cgroupVersion)), ("KernelVersion", .string(info.kernelVersion)),
      ("OperatingSystem", .string(info.operatingSystem)), ("NCPU", .int(Int64(info.ncpu))),
      ("MemTotal", .int(info.memTotal)), ("DockerRootDir", .string(info.rootDirectory)), ("Name", .string(info.name)),
    ])
    if try format.printed(value) { return }
    print(
      """
      Client:
       Version:    \(ContainerEngine.engineVersion)

      Server:
       Containers: \(info.containers)
        Running: \(info.containersRunning)
        Paused: \(info.containersPaused)
        Stopped: \(info.containersStopped)
       Images: \(info.images)
       Storage Driver: \(info.driver)
       Logging Driver: \(info.loggingDriver)
       Cgroup Version: \(info.cgroupVersion)
       Kernel Version: \(info.kernelVersion)
       Operating System: \(info.operatingSystem)
       CPUs: \(info.ncpu)
       Total Memory: \(HumanFormat.binarySize(info.memTotal))
       Name: \(info.name)
       Docker Root Dir: \(info.rootDirectory)
      """)
  }
}
