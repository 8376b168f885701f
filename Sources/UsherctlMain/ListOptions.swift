// The options systemctl's list verbs share: --all shows inactive units too,
// --plain drops the state-dot column, --no-legend drops the header and the
// legend, --json prints the rows as JSON instead. Also fetching every unit in
// systemctl's order for them.

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
}

extension DaemonClient {
    /// Every unit usherd reports, in systemctl's order (by type suffix, then name); exits as a read verb on errors.
    func everyUnit() throws -> [UnitStatus] {
        let response = try ControlExit.talking { try send(ControlRequest(verb: .status, lines: 0)) }
        if let error = response.error { throw ControlExit.forRead(error, unit: nil) }
        return (response.units ?? []).sorted { Self.systemctlOrder($0.id) < Self.systemctlOrder($1.id) }
    }

    /// systemctl's compare_unit_info: the type suffix first, then the whole name.
    private static func systemctlOrder(_ id: String) -> (String, String) {
        let suffix = id.lastIndex(of: ".").map { String(id[$0...]) } ?? ""
        return (suffix, id)
    }
}
