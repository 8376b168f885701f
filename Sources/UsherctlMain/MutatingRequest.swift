// Sending a verb that changes usherd's state and reporting its outcome as
// systemctl does: nothing on success, and the exit code of the first failure.
// A unit's own outcome carries systemctl's whole sentence ("Failed to kill unit
// X: No process to kill") and is printed as it is; a refusal of the whole
// request (access denied, unsupported, busy) gets "Failed to <action> UNIT: ".

import ArgumentParser
import ControlProtocol

/// What start, stop and restart take: the daemon options and the units.
struct JobArguments: ParsableArguments {
    @OptionGroup var daemon: ControlSocketOptions

    @Argument(help: "Unit names.")
    var units: [String]
}

struct MutatingRequest {
    var request: ControlRequest
    /// Prints a refusal of the whole request for these units (joined) and gives its exit code.
    var failure: (ControlError, String) -> ExitCode
    /// The exit code of one unit's failure.
    var exitCode: (ControlError) -> ExitCode

    /// A job verb (start, stop, restart): exit 4 when access is denied, 5 for an unknown unit.
    static func job(_ verb: ControlVerb, units: [String]) -> MutatingRequest {
        MutatingRequest(request: ControlRequest(verb: verb, units: UnitNameArgument.mangled(units)),
                        failure: { error, unit in ControlExit.forJob(error, verb: verb.rawValue, unit: unit) },
                        exitCode: ControlExit.jobExitCode)
    }

    /// Any other mutating verb: "Failed to <action>: reason" and exit 1.
    static func command(_ request: ControlRequest, action: @escaping (String) -> String) -> MutatingRequest {
        MutatingRequest(request: request, failure: { error, unit in ControlExit.forCommand(error, action: action(unit)) },
                        exitCode: { _ in ControlExit.failed })
    }

    func run(_ daemon: ControlSocketOptions) throws {
        try run(daemon.client())
    }

    func run(_ client: DaemonClient) throws {
        let response = try ControlExit.talking { try client.send(request) }
        if let error = response.error { throw failure(error, request.units.joined(separator: " ")) }
        var first: ExitCode?
        for outcome in response.results ?? [] {
            guard let error = outcome.error else { continue }
            writeStderr(error.message)
            first = first ?? exitCode(error)
        }
        if let first { throw first }
    }
}
