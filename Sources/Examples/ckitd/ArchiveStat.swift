import ContainerEngine
import Foundation

/// `X-Docker-Container-Path-Stat`: base64 of `{"name","size","mode","mtime","linkTarget"}` for the path a `docker
/// cp` reads, which the CLI needs before the tar (a directory or a symlink changes where it writes). The engine's
/// archive starts with that path's own entry, so its first tar header (after any PAX header) gives the stat.
enum ArchiveStat {
  /// Reads the archive's first header; returns the header value and the bytes read so far (to be sent first).
  static func read(_ chunks: inout ContainerArchive.AsyncIterator, path: String) async throws -> (String, [UInt8]) {
    var bytes: [UInt8] = []
    var offset = 0
    var paxLink: String? = nil
    while true {
      while bytes.count < offset + 512 {
        guard let chunk = try await chunks.next() else {
          throw APIError(.notFound, "Could not find the file \(path) in container")
        }
        bytes += chunk
      }
      let header = Array(bytes[offset..<offset + 512])
      let type = header[156]
      let size = octal(header[124..<136])
      if type == UInt8(ascii: "x") || type == UInt8(ascii: "g") || type == UInt8(ascii: "L")
        || type == UInt8(ascii: "K")
      {
        // A PAX or GNU long-name header: its data precedes the real header.
        let dataEnd = offset + 512 + Int(size)
        while bytes.count < dataEnd {
          guard let chunk = try await chunks.next() else { throw APIError(.internalServerError, "truncated archive") }
          bytes += chunk
        }
        let data = bytes[(offset + 512)..<dataEnd]
        if type == UInt8(ascii: "x") { paxLink = pax(data)["linkpath"] }
        if type == UInt8(ascii: "K") { paxLink = String(decoding: data.prefix { $0 != 0 }, as: UTF8.self) }
        offset += 512 + (Int(size) + 511) / 512 * 512
        continue
      }
      var mode = UInt32(octal(header[100..<108]) & 0o7777)
      switch type {
      case UInt8(ascii: "5"): mode |= 1 << 31
      case UInt8(ascii: "2"): mode |= 1 << 27
      default: break
      }
      let link = paxLink ?? String(decoding: header[157..<257].prefix { $0 != 0 }, as: UTF8.self)
      let mtime = Date(timeIntervalSince1970: TimeInterval(octal(header[136..<148])))
      let name = (path as NSString).lastPathComponent
      let stat: JSON = [
        "name": .string(name.isEmpty ? "/" : name), "size": .number(size), "mode": .number(mode),
        "mtime": .string(DockerTime.rfc3339(mtime)), "linkTarget": .string(link),
      ]
      return (Data(stat.serialized().utf8).base64EncodedString(), bytes)
    }
  }

  private static func octal(_ field: ArraySlice<UInt8>) -> Int64 {
    if let first = field.first, first & 0x80 != 0 {  // base-256 (GNU) for large values
      return field.dropFirst().reduce(Int64(first & 0x7f)) { $0 << 8 | Int64($1) }
    }
    let text = String(decoding: field.prefix { $0 != 0 && $0 != 32 }, as: UTF8.self)
    return Int64(text.trimmingCharacters(in: .whitespaces), radix: 8) ?? 0
  }

  private static func pax(_ data: ArraySlice<UInt8>) -> [String: String] {
    var records: [String: String] = [:]
    for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
      guard let space = line.firstIndex(of: " ") else { continue }
      let record = line[line.index(after: space)...]
      guard let eq = record.firstIndex(of: "=") else { continue }
      records[String(record[..<eq])] = String(record[record.index(after: eq)...])
    }
    return records
  }
}
