// `usherctl list-units [--all] [--state=…] [--type=socket|service]`: systemctl's
// UNIT LOAD ACTIVE SUB DESCRIPTION table and legend. Without --all or --state
// inactive units are hidden; --state matches the load, active or sub state.

import ArgumentParser
import ControlProtocol

struct ListUnits: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list-units", abstract: "List the units usherd runs.")

    @OptionGroup var daemon: ControlSocketOptions
    @OptionGroup var list: ListOptions

    @Option(name: .long, help: ArgumentHelp("Only units in these states (comma-separated).", valueName: "state"))
    var state: [String] = []

    @Option(name: [.short, .long], help: ArgumentHelp("Only units of this type: socket or service.", valueName: "type"))
    var type: [String] = []

    private var states: [String] { state.flatMap { $0.split(separator: ",").map(String.init) } }
    private var types: [String] { type.flatMap { $0.split(separator: ",").map(String.init) } }

    func validate() throws {
        for kind in types where UnitStatus.Kind(rawValue: kind) == nil {
            throw ValidationError("Unknown unit type '\(kind)': usherd runs socket and service units")
        }
    }

    func run() throws {
        let units = try daemon.client().everyUnit().filter(shown)
        if list.json { return try JSONOutput.printEncoded(units) }
        render(units).forEach { print($0) }
    }

    private func shown(_ unit: UnitStatus) -> Bool {
        if !types.isEmpty && !types.contains(unit.kind.rawValue) { return false }
        if !states.isEmpty { return states.contains { [unit.loadState, unit.activeState, unit.subState].contains($0) } }
        return list.all || unit.activeState != "inactive"
    }

    func render(_ units: [UnitStatus]) -> [String] {
        let terminal = Terminal.current
        let marked = !list.plain && units.contains(where: Self.needsDot)
        let rows = units.map { unit in
            (marked ? [Self.needsDot(unit) ? terminal.red(terminal.dot) : ""] : [])
                + [unit.id, unit.loadState, unit.activeState, unit.subState, unit.description ?? ""]
        }
        let header = list.noLegend ? nil : (marked ? [""] : []) + ["UNIT", "LOAD", "ACTIVE", "SUB", "DESCRIPTION"]
        let table = Table(header: header, rows: rows).render()
        return list.noLegend ? table : table + legend(count: units.count)
    }

    /// systemctl marks units that failed or did not load with a dot.
    static func needsDot(_ unit: UnitStatus) -> Bool {
        unit.activeState == "failed" || unit.loadState != "loaded"
    }

    private func legend(count: Int) -> [String] {
        let hint = list.all || !states.isEmpty ? "" : " Pass --all to see loaded but inactive units, too."
        return ["",
                "LOAD   = Reflects whether the unit definition was properly loaded.",
                "ACTIVE = The high-level unit activation state, i.e. generalization of SUB.",
                "SUB    = The low-level unit activation state, values depend on unit type.",
                "",
                "\(count) loaded units listed.\(hint)"]
    }
}
