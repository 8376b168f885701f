// `usherctl daemon-reload`: asks usherd to reload its unit files, as
// `systemctl daemon-reload`, and waits until the reload is applied. Prints
// what changed (one line per kind: added, removed, rebound, kept, changed,
// failed) and each failed unit's reason on stderr; exits 1 when a unit failed.
// A refusal ("unsupported" from an older usherd) prints "Failed to reload daemon: reason".

import ArgumentParser
import ControlProtocol

struct DaemonReload: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "daemon-reload", abstract: "Reload usherd's unit files.")

    @OptionGroup var daemon: ControlSocketOptions

    func run() throws {
        let response = try ControlExit.talking { try daemon.client().send(ControlRequest(verb: .daemonReload)) }
        if let error = response.error { throw ControlExit.forCommand(error, action: "reload daemon") }
        guard let summary = response.reload else { return }
        for line in summary.lines { print(line) }
        for failure in summary.failed { writeStderr("Failed to reload \(failure.unit): \(failure.reason)") }
        if !summary.succeeded { throw ControlExit.failed }
    }
}
