/// The defaults an image gives a container (its config's Env, Cmd, Entrypoint, ...).
package struct ImageDefaults: Equatable {
  package var env: [String] = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
  package var cmd: [String]? = nil
  package var entrypoint: [String]? = nil
  package var workingDir: String = ""
  package var user: String = ""
  package var exposedPorts: [String] = []
  package var stopSignal: String? = nil
  /// The image's labels; a container inherits them under its own (docker's rule).
  package var labels: [String: String] = [:]

  package init(
    env: [String] = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], cmd: [String]? = nil,
    entrypoint: [String]? = nil, workingDir: String = "", user: String = "", exposedPorts: [String] = [],
    stopSignal: String? = nil, labels: [String: String] = [:]
  ) {
    self.env = env
    self.cmd = cmd
    self.entrypoint = entrypoint
    self.workingDir = workingDir
    self.user = user
    self.exposedPorts = exposedPorts
    self.stopSignal = stopSignal
    self.labels = labels
  }
}
