// The options systemctl's list verbs share: --all shows inactive units too,
// --plain drops the state-dot column, --no-legend drops the header and the
// legend, --json prints the rows as JSON instead.

import ArgumentParser
import ControlProtocol

struct ListOptions: ParsableArguments {
    @Flag(name: [.short, .long], help: "Show inactive units too.")
    var all = false

    @Flag(name: .long, help: "No state-dot column.")
    var plain = false

    @Flag(name: .customLong("no-legend"), help: "No column headers and no footer.")
    var noLegend = false

    @Flag(name: .long, help: "Print JSON instead of the table.")
    var json = false

    /// Every unit usherd reports, sorted by name; exit 69 when usherd is unreachable.
    func fetchUnits(_ daemon: ControlSocketOptions) throws -> [UnitStatus] {
        let response = try ControlExit.talking { try daemon.client().send(.init(verb: .status, lines: 0)) }
        if let error = response.error { throw ControlExit.forRead(error, unit: nil) }
        return (response.units ?? []).sorted { $0.id < $1.id }
    }
}
