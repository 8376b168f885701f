// `usherctl daemon-reexec [--binary PATH]`: asks usherd to re-execute itself
// (the same path, or PATH: an upgrade) keeping its sockets, processes and
// state, as `systemctl daemon-reexec`. The new image answers on the same
// connection once it has restored the state; usherctl prints what it restored.
// A refusal or a failed re-exec prints "Failed to reexecute daemon: reason", exit 1.

import ArgumentParser
import ControlProtocol

struct DaemonReexec: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "daemon-reexec", abstract: "Re-execute usherd.")

    @OptionGroup var daemon: ControlSocketOptions

    @Option(name: .customLong("binary"), help: ArgumentHelp(
        "The usherd binary to execute instead of usherd's own path (root only).",
        discussion: "An absolute path. If it cannot be executed, usherd goes on as it was."))
    var binary: String?

    func validate() throws {
        if let binary, !binary.hasPrefix("/") { throw ValidationError("--binary must be an absolute path") }
    }

    func run() throws {
        let request = ControlRequest(verb: .daemonReexec, binary: binary)
        let response = try ControlExit.talking { try daemon.client().send(request) }
        if let error = response.error { throw ControlExit.forCommand(error, action: "reexecute daemon") }
        guard let summary = response.reexec else { return }
        print("Re-executed \(summary.binary): \(summary.units) unit(s), \(summary.listeners) listener(s), "
              + "\(summary.processes) process(es) kept.")
    }
}
