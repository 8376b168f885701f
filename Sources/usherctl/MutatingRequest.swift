// Sending a verb that changes usherd's state and reporting its outcome as
// systemctl does: nothing on success, "Failed to <action> UNIT: reason" on
// stderr for each unit that failed, and the exit code of the first failure.

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
    /// The systemctl wording and exit code of one unit's failure (the units joined when the whole request failed).
    var failure: (ControlError, String) -> ExitCode

    /// A job verb (start, stop, restart): exit 4 when access is denied, 5 for an unknown unit.
    static func job(_ verb: ControlVerb, units: [String]) -> MutatingRequest {
        MutatingRequest(request: ControlRequest(verb: verb, units: UnitNameArgument.mangled(units))) { error, unit in
            ControlExit.forJob(error, verb: verb.rawValue, unit: unit)
        }
    }

    /// Any other mutating verb: "Failed to <action>: reason" and exit 1.
    static func command(_ request: ControlRequest, action: @escaping (String) -> String) -> MutatingRequest {
        MutatingRequest(request: request) { error, unit in ControlExit.forCommand(error, action: action(unit)) }
    }

    func run(_ daemon: ControlSocketOptions) throws {
        let response = try ControlExit.talking { try daemon.client().send(request) }
        if let error = response.error { throw failure(error, request.units.joined(separator: " ")) }
        var first: ExitCode?
        for outcome in response.results ?? [] {
            guard let error = outcome.error else { continue }
            let code = failure(error, outcome.unit)
            first = first ?? code
        }
        if let first { throw first }
    }
}
