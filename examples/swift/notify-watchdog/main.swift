// Type=notify with the watchdog in Swift: READY=1 once the listener is ours,
// then WATCHDOG=1 every WATCHDOG_USEC/2 from a thread. Answers each line
// with "swift notify PID: LINE".
import Glibc

guard let listener = Activation.listenFds().first?.fd else {
    fputs("notify-watchdog: no socket passed (run me from a .socket unit)\n", stderr)
    exit(1)
}
if let interval = Activation.watchdogInterval() {
    var feeder = pthread_t()
    pthread_create(&feeder, nil, { argument in
        let interval = UInt32(UInt(bitPattern: argument))
        while true {
            usleep(interval)
            Activation.notify("WATCHDOG=1")
        }
    }, UnsafeMutableRawPointer(bitPattern: UInt(interval)))
}
Activation.notify("READY=1")
Activation.serveLines(listener, prefix: "swift notify")
