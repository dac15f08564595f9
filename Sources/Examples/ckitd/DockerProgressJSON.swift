import Builder
import ContainerEngine
import Foundation

/// Docker's JSON messages (moby's `jsonmessage`), one object a line, for the streams of `images/create` (pull),
/// `images/{name}/push`, `images/load` and `build`: `{"status","id","progressDetail","progress"}` for a step,
/// `{"stream": text}` for a build's output, `{"aux": {...}}` for a result, `{"errorDetail","error"}` to end in
/// failure (the HTTP status went out before the work started, so a failure is told in the body).
enum DockerProgressJSON {
  /// A pull's or a push's message: a layer's line has its `id` (the short layer ID; the tag for a pull's header);
  /// a transfer's has `progressDetail` with `current` and `total`, and the bar the CLI prints without a terminal.
  static func progress(_ p: ImageProgress) -> JSON {
    var fields: [(String, JSON)] = [("status", .string(p.status))]
    if p.isProgress && p.total > 0 {
      fields.append(("progressDetail", ["current": .number(p.current), "total": .number(p.total)]))
      fields.append(("progress", .string(bar(current: p.current, total: p.total))))
    } else if p.isLayer {
      fields.append(("progressDetail", .object([])))
    }
    if let id = p.id { fields.append(("id", .string(id))) }
    return .object(fields)
  }

  /// A build's messages for `event`; none for the events the classic builder's stream leaves out (`pulled`, which
  /// only the CLI prints). A base image's pull is told with a pull's messages, as dockerd does; the image ID comes
  /// as `aux` before the `Successfully built` line. With `quiet` (`q=1`) only the ID is sent, as a `stream` line.
  static func build(_ event: BuildEvent, quiet: Bool) -> [JSON] {
    switch event.kind {
    case .pull(let p): return quiet ? [] : [progress(p)]
    case .pulled: return []
    case .built(let id):
      return quiet ? [["stream": .string(id + "\n")]] : [["aux": ["ID": .string(id)]], stream(event.text)]
    default: return quiet || event.text.isEmpty ? [] : [stream(event.text)]
    }
  }

  /// `{"stream": text}`: a build's output.
  static func stream(_ text: String) -> JSON { ["stream": .string(text)] }

  /// `{"status": text}`: a line with no layer (`load`'s `Loaded image: busybox:latest`).
  static func status(_ text: String) -> JSON { ["status": .string(text)] }

  /// The last message of a failed stream: `{"errorDetail": {"message": m}, "error": m}`; with `code` (a RUN's
  /// exit status) in `errorDetail` too, which the CLI exits with.
  static func error(_ message: String, code: Int32? = nil) -> JSON {
    let detail: JSON = code.map { ["code": .number($0), "message": .string(message)] } ?? ["message": .string(message)]
    return ["errorDetail": detail, "error": .string(message)]
  }

  /// The last message for `failure`: dockerd's words for a RUN that failed (`The command '/bin/sh -c exit 3'
  /// returned a non-zero code: 3`, with the code), else the error as the API answers it.
  static func error(_ failure: any Error) -> JSON {
    var cause: any Error = failure
    while case .underlying(_, let inner)? = cause as? EngineError { cause = inner }
    if case .runFailed(let command, let code, _)? = cause as? BuildError {
      return error("The command '\(shellText(command))' returned a non-zero code: \(code)", code: code)
    }
    return error(APIError.from(failure).message)
  }

  /// A RUN's command as dockerd prints it: the exec form's words joined by spaces (`sh -c exit 4`), the shell
  /// form after `/bin/sh -c`.
  static func shellText(_ command: String) -> String {
    guard command.hasPrefix("["), command.hasSuffix("]") else {
      return command.hasPrefix("/bin/sh -c ") ? command : "/bin/sh -c " + command
    }
    if let words = try? JSONDecoder().decode([String].self, from: Data(command.utf8)) {
      return words.joined(separator: " ")
    }
    // The builder's own rendering, `["sh" "-c" "exit 4"]`.
    return String(command.dropFirst(2).dropLast(2)).replacingOccurrences(of: "\" \"", with: " ")
  }

  /// Docker's bar for a transfer, as dockerd writes it for a client that is no terminal (`JSONProgress.String`,
  /// 200 columns): `[` then one `=` per 2 percent, `>`, spaces up to 50, `] `, then `current/total` with
  /// `current` right-aligned in 8 columns.
  static func bar(current: Int64, total: Int64) -> String {
    let percent = total > 0 ? max(0, min(50, Int(Double(current) / Double(total) * 100) / 2)) : 0
    let box = "[" + String(repeating: "=", count: percent) + ">" + String(repeating: " ", count: 50 - percent) + "] "
    let done = humanSize(current)
    return box + String(repeating: " ", count: max(0, 8 - done.count)) + done + "/" + humanSize(total)
  }

  /// Docker's `units.HumanSize`: three significant digits, decimal units (`1.23MB`, `512B`).
  static func humanSize(_ bytes: Int64) -> String {
    let units = ["B", "kB", "MB", "GB", "TB", "PB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1000 && unit < units.count - 1 {
      value /= 1000
      unit += 1
    }
    return String(format: "%.3g", value) + units[unit]
  }
}
