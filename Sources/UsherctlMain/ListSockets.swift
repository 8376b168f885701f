// `usherctl list-sockets [--all]`: systemctl's LISTEN UNIT ACTIVATES table, one
// row per listener, sorted by address. --json prints the same rows as objects
// with the keys Listen, Type, Unit and Activates.

import ArgumentParser
import ControlProtocol

struct ListSockets: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list-sockets",
                                                    abstract: "List socket units' listeners and what they activate.")

    @OptionGroup var daemon: ControlSocketOptions
    @OptionGroup var list: ListOptions

    /// One listener of one socket unit; the JSON form of a row.
    struct Row: Encodable {
        var listen: String
        var type: String
        var unit: String
        var activates: [String]

        enum CodingKeys: String, CodingKey { case listen = "Listen", type = "Type", unit = "Unit", activates = "Activates" }
    }

    func run() throws {
        let sockets = try daemon.client().everyUnit().filter { $0.kind == .socket && (list.all || $0.activeState != "inactive") }
        let rows = Self.rows(sockets)
        if list.json { return try JSONOutput.printEncoded(rows) }
        render(rows).forEach { print($0) }
    }

    static func rows(_ sockets: [UnitStatus]) -> [Row] {
        sockets.flatMap { socket in
            (socket.listen ?? []).map { Row(listen: $0.address, type: $0.type, unit: socket.id, activates: socket.triggers ?? []) }
        }.sorted { ($0.listen, $0.unit) < ($1.listen, $1.unit) }
    }

    func render(_ rows: [Row]) -> [String] {
        let cells = rows.map { [$0.listen, $0.unit, $0.activates.joined(separator: ", ")] }
        let table = Table(header: list.noLegend ? nil : ["LISTEN", "UNIT", "ACTIVATES"], rows: cells).render()
        if list.noLegend { return table }
        let hint = list.all ? [] : ["Pass --all to see loaded but inactive sockets, too."]
        return table + ["", "\(rows.count) sockets listed."] + hint
    }
}
