import Foundation

/// Signal names as docker takes them: `KILL`, `SIGKILL`, `9`.
package enum Signals {
  package static let table: [String: Int32] = [
    "HUP": SIGHUP, "INT": SIGINT, "QUIT": SIGQUIT, "ILL": SIGILL, "TRAP": SIGTRAP, "ABRT": SIGABRT, "BUS": SIGBUS,
    "FPE": SIGFPE, "KILL": SIGKILL, "USR1": SIGUSR1, "SEGV": SIGSEGV, "USR2": SIGUSR2, "PIPE": SIGPIPE,
    "ALRM": SIGALRM, "TERM": SIGTERM, "STKFLT": SIGSTKFLT, "CHLD": SIGCHLD, "CONT": SIGCONT, "STOP": SIGSTOP,
    "TSTP": SIGTSTP, "TTIN": SIGTTIN, "TTOU": SIGTTOU, "URG": SIGURG, "XCPU": SIGXCPU, "XFSZ": SIGXFSZ,
    "VTALRM": SIGVTALRM, "PROF": SIGPROF, "WINCH": SIGWINCH, "IO": SIGIO, "PWR": SIGPWR, "SYS": SIGSYS,
  ]

  package static func parse(_ s: String) throws -> Int32 {
    if let n = Int32(s), n > 0, n < 65 { return n }
    var name = s.uppercased()
    if name.hasPrefix("SIG") { name = String(name.dropFirst(3)) }
    guard let sig = table[name] else { throw EngineError.invalidArgument("Invalid signal: \(s)") }
    return sig
  }
}
