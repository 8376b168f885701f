// What is-active and is-failed share: ask usherd for each unit's status,
// print its ActiveState (an unknown unit is "inactive", as systemctl prints),
// and succeed when at least one unit is in a wanted state.

import ArgumentParser
import ControlProtocol

/// The arguments is-active and is-failed both take.
struct StateCheckArguments: ParsableArguments {
    @OptionGroup var daemon: ControlSocketOptions

    @Flag(name: [.short, .long], help: "Print nothing; only the exit code tells.")
    var quiet = false

    @Argument(help: "Unit names.")
    var units: [String]
}

struct StateCheck {
    var wanted: Set<String>
    /// The exit when no unit is in a wanted state: 3 for is-active, 1 for is-failed.
    var otherwise: ExitCode

    func run(_ arguments: StateCheckArguments) throws {
        let client = arguments.daemon.client()
        var found = false
        for name in UnitNameArgument.mangled(arguments.units) {
            let state = try activeState(name, client)
            if !arguments.quiet { print(state) }
            found = found || wanted.contains(state)
        }
        if !found { throw otherwise }
    }

    private func activeState(_ name: String, _ client: DaemonClient) throws -> String {
        let response = try ControlExit.talking { try client.send(ControlRequest(verb: .status, units: [name], lines: 0)) }
        if let error = response.error, error.kind != .noSuchUnit { throw ControlExit.forRead(error, unit: name) }
        return response.units?.first?.activeState ?? "inactive"
    }
}
