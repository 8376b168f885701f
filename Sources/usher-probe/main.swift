// usher-probe: a test service that reports what it was given. It calls the
// real sd_listen_fds_with_names() from libsystemd, writes a JSON report
// (argv, environment in order, every open fd, process state) to --dir, then
// serves what is pending: accept → "ok <fd> <name>\n", datagram → "ok\n".
// Flags shape its behaviour for tests (see Options); it can also act as a
// watchdog client (WATCHDOG=1 N times, then silence) and send any sd_notify text.
// `usher-probe sys` tries system calls instead (SysProbe), `usher-probe fs`
// filesystem actions (FileSystemProbe), `usher-probe count-signal` counts a signal's
// deliveries (SignalCounter).
import CSystemd
import Foundation
import UsherSys

// `usher-probe sys …` tries system calls for the sandboxing tests (SysProbe.swift),
// before anything else runs.
if CommandLine.arguments.count > 1 && CommandLine.arguments[1] == "sys" {
    exit(SysProbe.run(Array(CommandLine.arguments.dropFirst(2))))
}
// `usher-probe count-signal …` counts the deliveries of one signal (SignalCounter.swift).
if CommandLine.arguments.count > 1 && CommandLine.arguments[1] == "count-signal" {
    exit(SignalCounter.run(Array(CommandLine.arguments.dropFirst(2))))
}

struct Options {
    var directory = "."
    var label = "probe"
    /// Keep serving new traffic this long after start.
    var waitMilliseconds = 0
    var holdMilliseconds = 0
    var exitCode: Int32 = 0
    var notify = false
    var ignoreTerm = false
    var serve = true
    var floodBytes = 0
    /// WATCHDOG=1 this many times, every half of $WATCHDOG_USEC, then no more.
    var watchdogPings = 0
    /// Type=dbus: take this name on the system bus ($DBUS_SYSTEM_BUS_ADDRESS) after the report is written.
    var busName: String?
    /// An sd_notify message sent before READY=1 ("\n" in the argument separates assignments).
    var notifyMessage: String?
    /// Wait this long after the message before READY=1 (and before taking the bus name).
    var readyAfterMilliseconds = 0
    /// fd-store requests (FDSTORE=1), in order.
    var store: [StoreRequest] = []

    struct StoreRequest {
        enum Kind { case file, pipe, pipeNoPoll, remove }
        var kind: Kind
        var name: String
    }

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let flag = iterator.next() {
            switch flag {
            case "--dir": directory = iterator.next() ?? directory
            case "--label": label = iterator.next() ?? label
            case "--wait-ms": waitMilliseconds = Int(iterator.next() ?? "") ?? 0
            case "--hold-ms": holdMilliseconds = Int(iterator.next() ?? "") ?? 0
            case "--exit-code": exitCode = Int32(iterator.next() ?? "") ?? 0
            case "--flood-bytes": floodBytes = Int(iterator.next() ?? "") ?? 0
            case "--notify": notify = true
            case "--bus-name": busName = iterator.next()
            case "--ready-after-ms": readyAfterMilliseconds = Int(iterator.next() ?? "") ?? 0
            case "--watchdog-pings": watchdogPings = Int(iterator.next() ?? "") ?? 0
            case "--notify-message": notifyMessage = iterator.next()?.replacingOccurrences(of: "\\n", with: "\n")
            case "--ignore-term": ignoreTerm = true
            case "--no-serve": serve = false
            case "--store-file": store.append(StoreRequest(kind: .file, name: iterator.next() ?? "stored"))
            case "--store-pipe": store.append(StoreRequest(kind: .pipe, name: iterator.next() ?? "stored"))
            case "--store-pipe-nopoll": store.append(StoreRequest(kind: .pipeNoPoll, name: iterator.next() ?? "stored"))
            case "--store-remove": store.append(StoreRequest(kind: .remove, name: iterator.next() ?? "stored"))
            default: break
            }
        }
    }
}

if CommandLine.arguments.count > 1 && CommandLine.arguments[1] == "fs" {
    exit(FileSystemProbe.run(Array(CommandLine.arguments.dropFirst(2))))
}

/// The fds as found at start, described before sd_listen_fds() sets
/// FD_CLOEXEC on the passed ones and before the probe opens anything itself.
let fdsAtStart = openFileDescriptors().compactMap { FDReport.describe($0) }
let options = Options(CommandLine.arguments)
if options.ignoreTerm { Signals.ignore(Signals.terminate) }

var namesPointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
let listenCount = sd_listen_fds_with_names(0, &namesPointer)
// The names array is malloc'ed by libsystemd; the probe is short-lived and keeps it.
let listenNames: [String] = (0..<max(0, Int(listenCount))).map { index in
    namesPointer.flatMap { $0[index] }.map { String(cString: $0) } ?? "unknown"
}
let environment = ProcessEnvironment.ordered()
let state = ProcessState.current()
var report = ProbeReport(options: options, environment: environment, state: state, fdReports: fdsAtStart,
                         listenCount: Int(listenCount), listenNames: listenNames)
if !options.store.isEmpty {
    report.object["stored_contents"] = FDStoreClient.storedContents(names: listenNames)
    report.object["stored_sent"] = FDStoreClient.store(options.store, received: listenNames, directory: options.directory)
}
report.write(to: options.directory)

if let message = options.notifyMessage { _ = sd_notify(0, message) }
if options.readyAfterMilliseconds > 0 { Thread.sleep(forTimeInterval: Double(options.readyAfterMilliseconds) / 1000) }
// The connection lives as long as the probe does, so the name stays owned.
let busConnection = options.busName.flatMap(BusName.own)
if options.notify { _ = sd_notify(0, "READY=1\nSTATUS=probe ready") }
if options.watchdogPings > 0 { Watchdog.ping(times: options.watchdogPings) }
if options.floodBytes > 0 { Flood.write(bytes: options.floodBytes) }
if options.serve && listenCount <= 0, let action = Server.answerInetdConnection() {
    report.record(action)
    report.write(to: options.directory)
} else if options.serve {
    let deadline = Date().addingTimeInterval(Double(options.waitMilliseconds) / 1000)
    Server(names: listenNames).serve(until: deadline, report: &report)
    report.write(to: options.directory)
}
if options.holdMilliseconds > 0 { Thread.sleep(forTimeInterval: Double(options.holdMilliseconds) / 1000) }
exit(options.exitCode)
