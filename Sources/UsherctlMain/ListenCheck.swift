// `usherctl listen-check UNIT.socket…`: loads each socket unit offline, binds
// its listeners for real, prints every option as the kernel reports it, and
// releases them (nodes stay unless RemoveOnStop=yes). Exits 1 when a unit does
// not load or a listener cannot be bound; other units are still checked.

import ArgumentParser
import Binder
import FoundationEssentials
import Glibc
import UnitFile
import UnitModel

struct ListenCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "listen-check",
        abstract: "Bind a socket unit's listeners, print what the kernel reports, and release them.")

    @OptionGroup var options: UnitDirectoryOptions

    @Flag(name: .long, help: "Print a JSON array with one object per unit.")
    var json = false

    @Argument(help: "Socket unit names or paths.")
    var units: [String]

    func validate() throws {
        for unit in units where !unit.hasSuffix(".socket") {
            throw ValidationError("'\(unit)' is not a socket unit")
        }
    }

    func run() throws {
        let (loader, names) = UnitLoader.forArguments(units, directories: options.directories, specifiers: options.specifiers)
        var failed = false
        var reports: [ListenCheckReport] = []
        for name in names {
            let (unit, diagnostics) = loader.loadSocket(name)
            for d in diagnostics { writeStderr(d.text) }
            guard let unit else {
                failed = true
                continue
            }
            switch Binder.listenCheck(unit) {
            case .success(let report): reports.append(report)
            case .failure(let failure):
                writeStderr(failure.description)
                failed = true
            }
        }
        if json {
            try JSONOutput.print(reports.map(Self.object))
        } else {
            print(reports.map(\.text).joined(separator: "\n\n"))
        }
        if failed { throw ExitCode(1) }
    }

    static func object(_ report: ListenCheckReport) -> JSONValue {
        let listeners: [JSONValue] = report.listeners.map { listener in
            var fields: [String: JSONValue] = ["listen": .string(listener.listen)]
            for entry in listener.entries { fields[entry.name] = .string(entry.value) }
            return .object(fields)
        }
        return .object(["unit": .string(report.unit.full), "warnings": .array(report.warnings.map(JSONValue.string)),
                        "listeners": .array(listeners)])
    }
}
