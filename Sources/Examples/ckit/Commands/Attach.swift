import ArgumentParser
import Foundation

struct Attach: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "attach",
    abstract: "Attach local standard input, output, and error streams to a running container")

  @OptionGroup var global: GlobalOptions
  @Flag(name: .customLong("no-stdin"), help: "Do not attach STDIN") var noStdin = false
  @Option(name: .customLong("detach-keys"), help: "Override the key sequence for detaching a container")
  var detachKeys = "ctrl-p,ctrl-q"
  @Argument(help: "CONTAINER") var container: String

  func run() async throws {
    let store = global.containers
    let record = try store.find(container)
    guard store.status(record).isRunning else {
      throw CkitError.invalidArgument("You cannot attach to a stopped container, start it first")
    }
    let keys = try DetachKeys.parse(detachKeys)
    let code = try AttachClient.run(
      socket: global.state.attachSocket(record.id), stdin: !noStdin && record.config.openStdin,
      tty: record.config.tty, detachKeys: keys)
    if let code, code != 0 { throw ContainerExit(code: code) }
  }
}

/// `--detach-keys`: `ctrl-p,ctrl-q` and friends as the bytes a terminal sends.
enum DetachKeys {
  static func parse(_ spec: String) throws -> [UInt8] {
    try spec.split(separator: ",").map { key in
      let k = key.lowercased()
      if k.hasPrefix("ctrl-"), k.count == 6, let c = k.last?.asciiValue {
        if c >= 97, c <= 122 { return c - 96 }
        switch c {
        case UInt8(ascii: "@"): return 0
        case UInt8(ascii: "["): return 27
        case UInt8(ascii: "\\"): return 28
        case UInt8(ascii: "]"): return 29
        case UInt8(ascii: "^"): return 30
        case UInt8(ascii: "_"): return 31
        default: break
        }
      } else if k.count == 1, let c = k.first?.asciiValue {
        return c
      }
      throw CkitError.invalidArgument("Invalid detach keys (\(spec)) provided")
    }
  }
}

/// A client of the monitor's attach socket: frames in docker's stdcopy layout (stream, 3 zero bytes, big-endian
/// length) come out on our stdout/stderr; stream 3 carries the exit code. Our stdin goes to the container until
/// the detach keys are typed.
enum AttachClient {
  /// Returns the container's exit code, or nil when detached (or the monitor went away).
  static func run(socket path: String, stdin: Bool, tty: Bool, detachKeys: [UInt8]) throws -> Int32? {
    let fd = try connect(path)
    defer { close(fd) }
    let raw = tty && stdin && isatty(0) == 1 ? RawTerminal(fd: 0) : nil
    defer { raw?.restore() }
    var buffer = [UInt8]()
    var matched = 0
    var stdinOpen = stdin
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0)]
      if stdinOpen { fds.append(pollfd(fd: 0, events: Int16(POLLIN), revents: 0)) }
      if poll(&fds, nfds_t(fds.count), -1) < 0 {
        if errno == EINTR { continue }
        return nil
      }
      if stdinOpen, fds.count > 1, fds[1].revents != 0 {
        let n = read(0, &chunk, chunk.count)
        if n <= 0 {
          stdinOpen = false
          shutdown(fd, Int32(SHUT_WR))
        } else {
          var out = [UInt8]()
          for b in chunk[0..<n] {
            if !detachKeys.isEmpty, b == detachKeys[matched] {
              matched += 1
              if matched == detachKeys.count {
                // What came before the keys in the same read is the container's, as docker forwards it.
                if !out.isEmpty { _ = out.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } }
                raw?.restore()
                FileHandle.standardError.write(Data("read escape sequence\n".utf8))
                return nil
              }
              continue
            }
            if matched > 0 { out += detachKeys[0..<matched] }
            matched = 0
            out.append(b)
          }
          if !out.isEmpty { _ = out.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } }
        }
      }
      if fds[0].revents != 0 {
        let n = recv(fd, &chunk, chunk.count, 0)
        if n <= 0 { return nil }
        buffer += chunk[0..<n]
        while buffer.count >= 8 {
          let len = Int(buffer[4]) << 24 | Int(buffer[5]) << 16 | Int(buffer[6]) << 8 | Int(buffer[7])
          guard buffer.count >= 8 + len else { break }
          let payload = Array(buffer[8..<(8 + len)])
          let stream = buffer[0]
          buffer.removeFirst(8 + len)
          switch stream {
          case 3: return Int32(String(decoding: payload, as: UTF8.self))
          case 2: FileHandle.standardError.write(Data(payload))
          default: FileHandle.standardOutput.write(Data(payload))
          }
        }
      }
    }
  }

  static func connect(_ path: String) throws -> Int32 {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw CkitError.backend("socket: \(String(cString: strerror(errno)))") }
    var addr = sockaddr_un()
    addr.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else {
      close(fd)
      throw CkitError.backend("attach socket path too long: \(path)")
    }
    withUnsafeMutableBytes(of: &addr.sun_path) { p in
      for (i, b) in bytes.enumerated() { p[i] = b }
    }
    let rc = withUnsafePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
      }
    }
    guard rc == 0 else {
      close(fd)
      throw CkitError.backend("cannot attach: \(path): \(String(cString: strerror(errno)))")
    }
    return fd
  }
}
