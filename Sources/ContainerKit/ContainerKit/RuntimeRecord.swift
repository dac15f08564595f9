import FoundationEssentials
import OCI
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// What the runtime keeps on disk about a container (`<root>/<id>/state.json`), so another process can find,
/// signal and delete it: the config it was created from, its init's pid and that pid's start time (a recycled pid
/// is then not mistaken for the container), its cgroup.
typealias RuntimeRecord = RuntimeRecordOf<Spec>

/// The state file's record with `SpecPart` decoded from its `spec`: the whole ``Spec`` (``RuntimeRecord``), or
/// only what a delete uses (`RuntimeRecord.DeleteSpec`), whose other keys JSONDecoder then skips.
struct RuntimeRecordOf<SpecPart: Codable & Sendable>: Codable, Sendable {
  var id: String
  var bundle: String
  var rootfs: String
  var pid: Int32
  var pidStartTime: UInt64
  var created: String
  var cgroupPath: String?
  var spec: SpecPart
  var exitCode: Int32?
  /// True when the state file holds, of the spec, only what a delete reads (``saveForDelete(path:)``): the
  /// process that created the container keeps the whole spec in its ``Container``. Nil in older files.
  var specOmitted: Bool? = nil

  /// The same record with `spec` in place of this one's.
  func with<Other>(spec: Other) -> RuntimeRecordOf<Other> {
    RuntimeRecordOf<Other>(
      id: id, bundle: bundle, rootfs: rootfs, pid: pid, pidStartTime: pidStartTime, created: created,
      cgroupPath: cgroupPath, spec: spec, exitCode: exitCode, specOmitted: specOmitted)
  }
}

/// The last spec encoded and its JSON: an embedder starting many containers from one spec (a benchmark, a
/// replicated service) encodes it once; comparing two specs costs far less than encoding one.
private let lastEncoded = Mutex<(spec: Spec, json: Data)?>(nil)

extension RuntimeRecordOf where SpecPart == Spec {
  static func load(path: String, id: String) throws(ContainerError) -> RuntimeRecord {
    guard let data = ContainerRuntime.readFile(path) else { throw .notFound(id: id) }
    do {
      return try JSONDecoder().decode(RuntimeRecord.self, from: data)
    } catch {
      throw .invalidConfig("state of container \"\(id)\" (\(path)) is unreadable: \(error)")
    }
  }

  /// The record at `path` for a delete, which needs of the spec only its hooks and annotations: the rest of the
  /// spec (the seccomp profile's hundreds of syscall names, mounts, namespaces) is skipped, not decoded. Decoding
  /// a whole spec was a tenth of the CPU the engine spends removing a `--rm` container. Only for a ``Container``
  /// that this module deletes and then drops: its `spec` holds nothing else.
  static func loadForDelete(path: String, id: String) throws(ContainerError) -> RuntimeRecord {
    guard let data = ContainerRuntime.readFile(path) else { throw .notFound(id: id) }
    let r: RuntimeRecordOf<DeleteSpec>
    do { r = try JSONDecoder().decode(RuntimeRecordOf<DeleteSpec>.self, from: data) } catch {
      throw .invalidConfig("state of container \"\(id)\" (\(path)) is unreadable: \(error)")
    }
    var spec = Spec()
    spec.hooks = r.spec.hooks
    spec.annotations = r.spec.annotations
    return r.with(spec: spec)
  }

  /// The parts of the spec a delete uses: the poststop hooks and the annotations their state carries.
  struct DeleteSpec: Codable, Sendable {
    var hooks: Spec.Hooks?
    var annotations: [String: String]?
  }

  /// Written to a temp file and renamed: a reader never sees half a state. Not fsynced: the state lives on tmpfs
  /// (/run) and describes processes that do not survive a reboot either, as with runc and crun.
  ///
  /// `specJSON`, the config.json the spec was decoded from, goes in as it is: encoding a whole spec again cost
  /// about as much as decoding it, on every container start.
  func save(path: String, specJSON: Data? = nil) throws(ContainerError) {
    let json: Data
    if let specJSON {
      json = specJSON
    } else {
      do { json = try Self.encodedSpec(spec) } catch { throw .system(call: "write", object: path, errno: EINVAL) }
    }
    do { try StateFile.replace(path, with: encode(specJSON: json), durable: false) } catch {
      throw .system(call: error.call, object: error.path, errno: error.errno)
    }
  }

  /// Writes the state file with only the spec's hooks and annotations (and its `ociVersion`, so that ``load(path:id:)``
  /// still reads it), marked ``specOmitted``: for a container whose creator keeps its ``Container`` in memory for
  /// everything but a delete (a pause init: ContainerSandbox's pid 1, held by its owner process). Another process
  /// can list, inspect, signal, delete or sweep it as before, but not exec into it (that needs the namespaces and
  /// the security settings: ``Container/exec(_:io:)`` refuses). Encoding the whole spec, its seccomp profile
  /// included, was the largest cost left in a sandbox's life.
  func saveForDelete(path: String) throws(ContainerError) {
    var part = Spec()
    part.hooks = spec.hooks
    part.annotations = spec.annotations
    var file = self
    file.specOmitted = true
    let json: Data
    do { json = try SpecJSON.encode(part) } catch { throw .system(call: "write", object: path, errno: EINVAL) }
    try file.save(path: path, specJSON: json)
  }

  static func encodedSpec(_ spec: Spec) throws -> Data {
    if let last = lastEncoded.withLock({ $0 }), last.spec == spec { return last.json }
    let json = try SpecJSON.encode(spec)
    lastEncoded.withLock { $0 = (spec, json) }
    return json
  }

  /// The record as ``SpecJSON`` writes it (sorted keys, no escaped slashes), with `specJSON` as the spec.
  func encode(specJSON: Data) -> Data {
    var out = Data()
    out.reserveCapacity(specJSON.count + 512)
    func key(_ name: String, first: Bool = false) {
      out.append(contentsOf: Array((first ? "{\"" : ",\"").utf8))
      out.append(contentsOf: Array(name.utf8))
      out.append(contentsOf: Array("\":".utf8))
    }
    func string(_ value: String) { out.append(contentsOf: JSONString.quoted(value)) }
    key("bundle", first: true)
    string(bundle)
    if let cgroupPath {
      key("cgroupPath")
      string(cgroupPath)
    }
    key("created")
    string(created)
    if let exitCode {
      key("exitCode")
      out.append(contentsOf: Array(String(exitCode).utf8))
    }
    key("id")
    string(id)
    key("pid")
    out.append(contentsOf: Array(String(pid).utf8))
    key("pidStartTime")
    out.append(contentsOf: Array(String(pidStartTime).utf8))
    key("rootfs")
    string(rootfs)
    key("spec")
    out.append(specJSON)
    if specOmitted == true {
      key("specOmitted")
      out.append(contentsOf: Array("true".utf8))
    }
    out.append(UInt8(ascii: "}"))
    return out
  }
}
