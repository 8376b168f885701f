// `usherctl daemon-reexec`: asks usherd to re-execute itself keeping its
// sockets, as `systemctl daemon-reexec`; its refusal (today "unsupported")
// prints "Failed to reexecute daemon: reason" and exits 1.

import ArgumentParser
import ControlProtocol

struct DaemonReexec: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "daemon-reexec", abstract: "Re-execute usherd.")

    @OptionGroup var daemon: ControlSocketOptions

    func run() throws {
        try MutatingRequest.command(ControlRequest(verb: .daemonReexec)) { _ in "reexecute daemon" }.run(daemon)
    }
}
