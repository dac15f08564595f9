import ContainerEngine
import ContainerKit
import Foundation
import LinuxSystem

/// ckit's end of an `AttachSession` (attach, exec): its terminal in raw mode with a tty, its stdin copied into
/// the session, the session's frames written to its stdout and stderr. The session itself (framing, detach keys,
/// resize) is the engine's.
enum SessionRelay {
  /// Relays until the session ends; returns the process's exit code, nil when detached (ckit then says so, as
  /// docker does) or when ckit's own stdout went away (the session is then detached, so the process's next write
  /// fails as in a shell pipeline).
  static func run(_ session: AttachSession, stdin wanted: Bool) async -> Int32? {
    let stdin = wanted && session.acceptsStdin
    // A write to a closed stdout is then EPIPE here, not the end of ckit.
    signal(SIGPIPE, SIG_IGN)
    let raw = session.tty && stdin && isatty(0) == 1 ? RawTerminal(fd: 0) : nil
    defer { raw?.restore() }
    // The terminal's size now and whenever it changes (SIGWINCH), as docker's CLI keeps it.
    let resize: @Sendable () async -> Void = {
      if let size = Self.terminalSize() { try? await session.resize(size) }
    }
    let resizes = session.tty && isatty(1) == 1 ? DispatchSource.makeSignalSource(signal: SIGWINCH) : nil
    defer { resizes?.cancel() }
    if let resizes {
      await resize()
      resizes.setEventHandler { Task { await resize() } }
      resizes.resume()
    }
    if stdin {
      // Not waited for: ckit's stdin may never end (a terminal), and the process may never read it.
      Task.detached {
        while !session.isDetached {
          let chunk = await BlockingCall.run { () -> [UInt8] in
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
              let n = Syscall.retrying { buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) } }
              return n > 0 ? Array(buffer[0..<n]) : []
            }
          }
          if chunk.isEmpty {
            await session.closeStdin()
            return
          }
          do { try await session.write(chunk) } catch { return }
        }
      }
    }
    var outputGone = false
    for await frame in session where !outputGone {
      do {
        try (frame.stream == .stderr ? FileHandle.standardError : FileHandle.standardOutput).write(
          contentsOf: frame.bytes)
      } catch {
        outputGone = true
        session.detach()
      }
    }
    let code = await session.exitCode()
    raw?.restore()
    if session.isDetached, !outputGone { FileHandle.standardError.write(Data("read escape sequence\n".utf8)) }
    return code
  }

  /// ckit's terminal's size (its stdout's), when it is one.
  static func terminalSize() -> TerminalSize? {
    var ws = winsize()
    guard isatty(1) == 1, ioctl(1, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_row > 0 else { return nil }
    return TerminalSize(rows: ws.ws_row, columns: ws.ws_col)
  }
}
