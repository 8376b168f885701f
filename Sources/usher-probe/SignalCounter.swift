// `usher-probe count-signal SIGNAL FILE`: blocks SIGNAL, writes "ready" to FILE, then
// takes each delivery of SIGNAL one by one (a real-time signal is queued per send, so
// two sends are two deliveries) until none came for 300 ms after the first, writes the
// count to FILE and exits 0. The stop tests read how often a stop signalled the process.
import Foundation

enum SignalCounter {
    static func run(_ arguments: [String]) -> Int32 {
        guard arguments.count == 2, let signal = Int32(arguments[0]), signal > 0 else { return 2 }
        let path = arguments[1]
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, signal)
        // Blocked before the probe starts any thread (they inherit the mask) and before anything can
        // send it: every delivery waits in the queue for sigwaitinfo.
        guard pthread_sigmask(SIG_BLOCK, &set, nil) == 0, write("ready\n", to: path) else { return 1 }
        var info = siginfo_t()
        while sigwaitinfo(&set, &info) < 0 {}
        var count = 1
        var pause = timespec(tv_sec: 0, tv_nsec: 300_000_000)
        while sigtimedwait(&set, &info, &pause) == signal { count += 1 }
        return write("\(count)\n", to: path) ? 0 : 1
    }

    private static func write(_ text: String, to path: String) -> Bool {
        (try? text.write(toFile: path, atomically: true, encoding: .utf8)) != nil
    }
}
