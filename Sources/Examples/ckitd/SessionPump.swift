import ContainerEngine
import NIOCore

/// Joins an `AttachSession` to a hijacked connection: its frames out (Docker's 8-byte framing without a tty, raw
/// with one), the client's bytes in as stdin until the client half-closes (then stdin is closed, the output goes
/// on). Returns when the output ends (the process ended, or the detach keys were typed) or the client went away.
/// `multiplexed: false` sends the output as it is even without a tty (the websocket attach: never multiplexed).
enum SessionPump {
  static func run(
    _ session: AttachSession, input: RequestBody, response: ResponseWriter, stdout: Bool = true,
    stderr: Bool = true, multiplexed: Bool = true
  ) async {
    await withTaskGroup(of: Void.self) { group in
      group.addTask {
        do {
          for try await chunk in input {
            try await session.write(Array(buffer: chunk))
            if session.isDetached { break }
          }
          await session.closeStdin()
        } catch {
          // The client went away, or the process's stdin did: the output decides when this ends.
        }
      }
      do {
        for await frame in session {
          if frame.stream == .stdout ? !stdout : !stderr { continue }
          try await response.write(StreamFraming.frame(frame.stream, frame.bytes, tty: session.tty || !multiplexed))
        }
      } catch {
        session.detach()
      }
      group.cancelAll()
    }
  }
}
