// usher-probe: a test service that reports what it was given. It calls the
// real sd_listen_fds_with_names() from libsystemd, writes a JSON report
// (argv, environment in order, every open fd, process state) to --dir, then
// serves what is pending: accept → "ok <fd> <name>\n", datagram → "ok\n".
// Flags shape its behaviour for tests (see Options).
import CSystemd
import Foundation
import UsherSys

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
            case "--ignore-term": ignoreTerm = true
            case "--no-serve": serve = false
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
report.write(to: options.directory)

if options.notify { _ = sd_notify(0, "READY=1\nSTATUS=probe ready") }
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
