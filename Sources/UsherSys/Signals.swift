// Signal set-up for a daemon whose loop takes signals from a signalfd
// (sd-event): the handled signals are blocked on every thread before any
// thread starts, and SIGPIPE is ignored so a closed peer never kills usherd.
// Children reset both in the spawn shim.
import Glibc
import CSysShims

public enum Signals {
    public static let terminate = SIGTERM
    public static let interrupt = SIGINT
    public static let hangup = SIGHUP
    /// usherd: re-execute (as `usherctl daemon-reexec`).
    public static let user2 = SIGUSR2
    public static let child = SIGCHLD

    /// Blocks `signals` in the calling thread (and so in threads it starts later).
    public static func block(_ signals: [Int32]) throws {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        let code = pthread_sigmask(SIG_BLOCK, &set, nil)
        if code != 0 { throw SystemError(call: "pthread_sigmask", errno: code) }
    }

    public static func ignore(_ signal: Int32) {
        _ = Glibc.signal(signal, SIG_IGN)
    }
}

/// CLOCK_MONOTONIC in microseconds, the clock sd-event's timers use.
public func monotonicMicroseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
}

/// CLOCK_REALTIME in microseconds since the epoch, for timestamps people read.
public func realtimeMicroseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
}

extension Signals {
    /// Signals whose disposition is not SIG_DFL (handled or ignored) right now:
    /// the only ones a spawned child has to reset before it unblocks signals.
    public static func nonDefaultDispositions() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in 1..<Int32(NSIG) where signal != SIGKILL && signal != SIGSTOP {
            if usher_signal_is_default(signal) == 0 { sigaddset(&set, signal) }
        }
        return set
    }
}
