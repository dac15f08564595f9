/// A validated cgroup path: relative components under a hierarchy root.
///
/// `linux.cgroupsPath` comes from a bundle, that is from outside: it must not climb out of the hierarchy with `..`
/// nor name the root itself (deleting that would try to kill the host).
struct CgroupPath: Sendable, Hashable {
  let components: [String]

  init(_ path: String) throws(CgroupError) {
    let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    guard !parts.isEmpty else { throw .invalidPath(path, reason: "names the hierarchy root") }
    for part in parts where part == "." || part == ".." {
      throw .invalidPath(path, reason: "component \"\(part)\" is not allowed")
    }
    for part in parts where part.utf8.contains(0) || part.utf8.count > 255 {
      throw .invalidPath(path, reason: "component is not a valid directory name")
    }
    components = parts
  }

  var relative: String { components.joined(separator: "/") }

  func directory(under root: String) -> String { root + "/" + relative }
}
