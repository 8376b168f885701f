// `usherctl status [UNIT…]`: each named unit in systemctl's layout (see
// StatusText), separated by blank lines; exit 3 when one is not active, 4
// when usherd does not know it. Without a unit: one line per unit (dot, name,
// state, description), the compact summary. --json prints the snapshots.

import ArgumentParser
import ControlProtocol
import FoundationEssentials
import Glibc

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the runtime status of units (all when none named).")

    @OptionGroup var daemon: ControlSocketOptions

    @Flag(name: .long, help: "Print the ControlProtocol unit snapshots as a JSON array.")
    var json = false

    @Option(name: [.customShort("n"), .long], help: "Log lines per unit.")
    var lines = StatusText.logLimit

    @Argument(help: "Unit names.")
    var units: [String] = []

    func validate() throws {
        guard lines >= 0 else { throw ValidationError("--lines must not be negative") }
    }

    func run() throws {
        let client = daemon.client()
        if units.isEmpty { return try summary(client) }
        var found: [UnitStatus] = []
        var exit: ExitCode?
        for name in UnitNameArgument.mangled(units) {
            let response = try ControlExit.talking {
                try client.send(ControlRequest(verb: .status, units: [name], lines: lines))
            }
            if let error = response.error {
                exit = exit ?? ControlExit.forRead(error, unit: name)
                continue
            }
            found += response.units ?? []
        }
        try show(found)
        let inactive = found.contains { $0.activeState != "active" && $0.activeState != "reloading" }
        if let exit = exit ?? (inactive ? ControlExit.inactive : nil) { throw exit }
    }

    private func show(_ found: [UnitStatus]) throws {
        if json { return try JSONOutput.printEncoded(found) }
        let text = StatusText(terminal: .current, now: TimeFormat.nowMicroseconds())
        print(found.map { text.render($0).joined(separator: "\n") }.joined(separator: "\n\n"))
    }

    private func summary(_ client: DaemonClient) throws {
        let all = try client.everyUnit()
        if json { return try JSONOutput.printEncoded(all) }
        let terminal = Terminal.current
        let rows = all.map { unit in
            [terminal.stateDot(unit.activeState), unit.id, "\(unit.activeState) (\(unit.subState))", unit.description ?? ""]
        }
        Table(header: nil, rows: rows).render().forEach { print($0) }
    }
}
