// `usherctl daemon-reload`: asks usherd to reload its unit files, as
// `systemctl daemon-reload`; its refusal (today "unsupported") prints
// "Failed to reload daemon: reason" and exits 1.

import ArgumentParser
import ControlProtocol

struct DaemonReload: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "daemon-reload", abstract: "Reload usherd's unit files.")

    @OptionGroup var daemon: ControlSocketOptions

    func run() throws {
        try MutatingRequest.command(ControlRequest(verb: .daemonReload)) { _ in "reload daemon" }.run(daemon)
    }
}
