import Foundation

/// Builds tarballs for tests with python3's tarfile, which writes exactly what it is told, hostile entries included.
public enum TarFixture {
  public struct Entry: Sendable {
    public var name: String
    public var type: String = "file"  // file, dir, symlink, hardlink, chr, blk, fifo
    public var data: String = ""
    public var link: String = ""
    public var mode: Int = 0o644
    public var uid: Int = 0
    public var gid: Int = 0
    public var mtime: Int = 1_600_000_000
    public var devmajor: Int = 0
    public var devminor: Int = 0
    public var xattrs: [String: String] = [:]

    public init(
      name: String, type: String = "file", data: String = "", link: String = "", mode: Int = 0o644, uid: Int = 0,
      gid: Int = 0, mtime: Int = 1_600_000_000, devmajor: Int = 0, devminor: Int = 0, xattrs: [String: String] = [:]
    ) {
      self.name = name
      self.type = type
      self.data = data
      self.link = link
      self.mode = mode
      self.uid = uid
      self.gid = gid
      self.mtime = mtime
      self.devmajor = devmajor
      self.devminor = devminor
      self.xattrs = xattrs
    }

    public static func file(_ name: String, _ data: String = "", mode: Int = 0o644) -> Entry {
      Entry(name: name, data: data, mode: mode)
    }
    public static func dir(_ name: String, mode: Int = 0o755) -> Entry { Entry(name: name, type: "dir", mode: mode) }
    public static func symlink(_ name: String, to target: String) -> Entry {
      Entry(name: name, type: "symlink", link: target, mode: 0o777)
    }
    public static func hardlink(_ name: String, to target: String) -> Entry {
      Entry(name: name, type: "hardlink", link: target)
    }
  }

  static let script = """
    import json, sys, tarfile, io
    spec = json.load(open(sys.argv[1]))
    with tarfile.open(sys.argv[2], "w", format=tarfile.PAX_FORMAT) as t:
        for e in spec:
            ti = tarfile.TarInfo(e["name"])
            ti.mode = e["mode"]; ti.uid = e["uid"]; ti.gid = e["gid"]; ti.mtime = e["mtime"]
            ti.uname = ""; ti.gname = ""
            if e["xattrs"]:
                ti.pax_headers = {"SCHILY.xattr." + k: v for k, v in e["xattrs"].items()}
            data = None
            ty = e["type"]
            if ty == "file":
                data = e["data"].encode(); ti.size = len(data)
            elif ty == "dir": ti.type = tarfile.DIRTYPE
            elif ty == "symlink": ti.type = tarfile.SYMTYPE; ti.linkname = e["link"]
            elif ty == "hardlink": ti.type = tarfile.LNKTYPE; ti.linkname = e["link"]
            elif ty == "chr": ti.type = tarfile.CHRTYPE; ti.devmajor = e["devmajor"]; ti.devminor = e["devminor"]
            elif ty == "blk": ti.type = tarfile.BLKTYPE; ti.devmajor = e["devmajor"]; ti.devminor = e["devminor"]
            elif ty == "fifo": ti.type = tarfile.FIFOTYPE
            t.addfile(ti, io.BytesIO(data) if data is not None else None)
    """

  /// Writes a tar of `entries` to `path`, then compresses it with `compression` ("gzip", "zstd" or nil), which
  /// replaces `path` with the compressed file. Returns `path`.
  @discardableResult
  public static func write(_ entries: [Entry], to path: String, compression: String? = nil) throws -> String {
    let json = entries.map { e -> [String: Any] in
      [
        "name": e.name, "type": e.type, "data": e.data, "link": e.link, "mode": e.mode, "uid": e.uid,
        "gid": e.gid, "mtime": e.mtime, "devmajor": e.devmajor, "devminor": e.devminor, "xattrs": e.xattrs,
      ]
    }
    let specPath = path + ".json"
    try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: specPath))
    defer { try? FileManager.default.removeItem(atPath: specPath) }
    let scriptPath = path + ".py"
    try script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: scriptPath) }
    try run("/usr/bin/env", ["python3", scriptPath, specPath, path])
    if let compression {
      let tool = compression == "zstd" ? "/usr/bin/zstd" : "/usr/bin/gzip"
      var args = ["-q", "-f"]
      if compression == "zstd" { args.append("--rm") }
      try run(tool, args + [path])
      try FileManager.default.moveItem(atPath: path + (compression == "zstd" ? ".zst" : ".gz"), toPath: path)
    }
    return path
  }

  /// Runs a tool, failing the test setup on a non-zero exit; returns stdout.
  @discardableResult
  public static func run(_ tool: String, _ args: [String]) throws -> String {
    try Command.run([tool] + args).stdout
  }
}
