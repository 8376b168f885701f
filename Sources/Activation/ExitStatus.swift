// How a process ended, and the names systemd prints for it: signal names
// (Linux numbering) and the exit-status names of its setup failures
// ("status=203/EXEC"). Pure values, shared by the machines and the daemon.

public enum ExitStatus: Codable, Sendable, Equatable, CustomStringConvertible {
    case exited(Int32)
    case killed(signal: Int32)
    case dumped(signal: Int32)

    /// systemd's form: "code=exited, status=203/EXEC", "code=killed, signal=KILL".
    public var description: String {
        switch self {
        case .exited(let code):
            if let name = ExitStatus.statusNames[code] { return "code=exited, status=\(code)/\(name)" }
            return "code=exited, status=\(code)"
        case .killed(let signal): return "code=killed, signal=\(ExitStatus.signalName(signal))"
        case .dumped(let signal): return "code=dumped, signal=\(ExitStatus.signalName(signal))"
        }
    }

    /// "TERM" for 15; the number when it has no name.
    public static func signalName(_ signal: Int32) -> String {
        let index = Int(signal) - 1
        guard index >= 0, index < signalNames.count else { return "\(signal)" }
        return signalNames[index]
    }

    /// The number for `TERM`, `SIGTERM` or `15`; nil when unknown.
    public static func signalNumber(_ name: String) -> Int32? {
        let bare = name.hasPrefix("SIG") ? String(name.dropFirst(3)) : name
        if let number = Int32(bare) { return number }
        return signalNames.firstIndex(of: bare).map { Int32($0 + 1) }
    }

    static let signalNames = [
        "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE",
        "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ",
        "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
    ]

    static let statusNames: [Int32: String] = [
        0: "SUCCESS", 1: "FAILURE", 2: "INVALIDARGUMENT", 3: "NOTIMPLEMENTED", 4: "NOPERMISSION",
        5: "NOTINSTALLED", 6: "NOTCONFIGURED", 7: "NOTRUNNING", 200: "CHDIR", 201: "NICE", 202: "FDS",
        203: "EXEC", 204: "MEMORY", 205: "LIMITS", 206: "OOM_ADJUST", 207: "SIGNAL_MASK", 208: "STDIN",
        209: "STDOUT", 210: "CHROOT", 211: "IOPRIO", 212: "TIMERSLACK", 213: "SECUREBITS", 214: "SETSCHEDULER",
        215: "CPUAFFINITY", 216: "GROUP", 217: "USER", 218: "CAPABILITIES", 219: "CGROUP", 220: "SETSID",
        221: "CONFIRM", 222: "STDERR", 225: "NETWORK", 226: "NAMESPACE",
    ]

    /// The step name of a setup failure status ("EXEC" for 203), for
    /// "Failed at step EXEC spawning …".
    public static func stepName(_ status: Int32) -> String { statusNames[status] ?? "\(status)" }

    /// Whether a service ending this way succeeded: exit 0 or a listed
    /// SuccessExitStatus= code or signal, or one of the signals systemd counts
    /// as clean for a daemon (HUP, INT, PIPE, TERM).
    public func isClean(successStatuses: [Int32], successSignals: [Int32] = []) -> Bool {
        switch self {
        case .killed(let signal) where [1, 2, 13, 15].contains(signal): return true
        default: return isCleanCommand(successStatuses: successStatuses, successSignals: successSignals)
        }
    }

    /// Whether a command (ExecStartPre= and the like) succeeded: exit 0 or a
    /// listed SuccessExitStatus= code or signal; no signal is clean by itself.
    public func isCleanCommand(successStatuses: [Int32], successSignals: [Int32]) -> Bool {
        switch self {
        case .exited(let code): return code == 0 || successStatuses.contains(code)
        case .killed(let signal): return successSignals.contains(signal)
        case .dumped: return false
        }
    }

    /// $EXIT_CODE= for ExecStopPost=: exited, killed or dumped.
    public var codeName: String {
        switch self {
        case .exited: return "exited"
        case .killed: return "killed"
        case .dumped: return "dumped"
        }
    }

    /// $EXIT_STATUS=: the exit code as a number, or the signal name ("TERM").
    public var statusText: String {
        switch self {
        case .exited(let code): return String(code)
        case .killed(let signal), .dumped(let signal): return ExitStatus.signalName(signal)
        }
    }

    /// systemd's result name for an unclean end.
    public var failureResult: UnitResult {
        switch self {
        case .exited: return .exitCode
        case .killed: return .signal
        case .dumped: return .coreDump
        }
    }
}
