// `usherctl show UNIT…`: every resolved property as Key=value, like
// `systemctl show`; units are separated by a blank line. When usherd answers,
// its runtime properties (RuntimeProperties) follow the unit file's; when it
// does not, one stderr line says so. Diagnostics go to stderr; a unit that does not load exits 1.

import ArgumentParser
import ControlProtocol
import FoundationEssentials
import Glibc
import UnitFile
import UnitModel

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a unit's resolved properties as Key=value.")

    @OptionGroup var options: UnitDirectoryOptions

    @Option(name: .customLong("control-socket"), help: ArgumentHelp("usherd's control socket.", valueName: "path"))
    var controlSocket: String?

    @Flag(name: .long, help: "Print a JSON array with one object per unit.")
    var json = false

    @Argument(help: "Unit names or paths.")
    var units: [String]

    func run() throws {
        let (loader, names) = UnitLoader.forArguments(units, directories: options.directories, specifiers: options.specifiers)
        let runtime = RuntimeLookup(path: ControlSocketOptions.socketPath(explicit: controlSocket, user: options.user))
        var failed = false
        var objects: [JSONValue] = []
        var printed = 0
        for name in names {
            let (fileLines, diagnostics) = loader.show(name)
            for d in diagnostics { writeStderr(d.text) }
            guard let fileLines else {
                failed = true
                continue
            }
            let lines = fileLines + runtime.lines(name.full)
            if json {
                objects.append(JSONOutput.properties(lines))
            } else {
                if printed > 0 { print("") }
                print(lines.joined(separator: "\n"))
                printed += 1
            }
        }
        if json { try JSONOutput.print(objects) }
        if failed { throw ExitCode(1) }
    }
}

/// Runtime properties for `show`, asked of usherd once per unit; the first time usherd cannot be
/// reached it says so on stderr and stops asking.
final class RuntimeLookup {
    private let client: DaemonClient
    private var reachable = true

    init(path: String) {
        client = DaemonClient(path: path)
    }

    func lines(_ unit: String) -> [String] {
        guard reachable else { return [] }
        do {
            let response = try client.send(ControlRequest(verb: .status, units: [unit], lines: 0))
            if let error = response.error {
                writeStderr("usherctl: runtime properties of \(unit) unavailable: \(error.message)")
                return []
            }
            return response.units?.first.map(RuntimeProperties.lines) ?? []
        } catch {
            reachable = false
            let reason = (error as? ClientFailure)?.message ?? "\(error)"
            writeStderr("usherctl: runtime properties unavailable: \(reason)")
            return []
        }
    }
}
