import Foundation

/// The seam between container bookkeeping (records, monitors, network: `Lifecycle`) and the backends: images
/// (ImageStore, RegistryClient, Builder) and container processes (an OCI runtime). A protocol so that the
/// lifecycle's ordering and cleanup rules can be exercised with another backend.
package protocol Engine: Sendable {
  /// Where the engine finds its runtime and monitor, and what the monitor runs when a container ends.
  var configuration: EngineConfiguration { get }
  func pull(_ reference: String) async throws -> ImageInfo
  func images() async throws -> [ImageInfo]
  func image(_ reference: String) async throws -> ImageInfo
  func removeImage(_ reference: String, force: Bool) async throws -> [ImageRemoval]
  func tag(_ source: String, _ target: String) async throws
  func commit(_ record: ContainerRecord, reference: String?, message: String?, author: String?, changes: [String])
    async throws -> String
  /// Prepares the container's root filesystem and OCI bundle; returns the argv the monitor runs, the variables
  /// (`NAME=value`) it adds to the runtime's environment and, for a runtime that detaches, the file where it
  /// writes the container's pid.
  func prepare(_ record: ContainerRecord, root: StateRoot, netnsPath: String?, hostFiles: [String: String])
    async throws -> (argv: [String], environment: [String], pidFile: String?)
  /// Releases the runtime's state for a container that exited (its filesystem stays for restart and commit).
  func release(_ record: ContainerRecord, root: StateRoot) async throws
  /// Deletes the container's filesystem (`rm`).
  func remove(_ record: ContainerRecord, root: StateRoot) async throws
  /// Whether the container's last run ended by the OOM killer; asked before `release`.
  func oomKilled(_ record: ContainerRecord) -> Bool
  /// The runtime's command line that runs `config` in the running container `record` (the runtime waits for the
  /// process and exits with its status): its pid goes to `pidFile`, and with a tty the pty master to
  /// `consoleSocket`.
  func execArguments(_ record: ContainerRecord, _ config: ExecConfig, pidFile: String, consoleSocket: String?)
    async throws -> [String]
}
