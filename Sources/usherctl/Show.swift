// `usherctl show UNIT…`: every resolved property as Key=value, like
// `systemctl show`; units are separated by a blank line. Diagnostics go to
// stderr; a unit that does not load exits 1.

import ArgumentParser
import Foundation
import UnitFile
import UnitModel

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a unit's resolved properties as Key=value.")

    @OptionGroup var options: UnitDirectoryOptions

    @Flag(name: .long, help: "Print a JSON array with one object per unit.")
    var json = false

    @Argument(help: "Unit names or paths.")
    var units: [String]

    func run() throws {
        let (loader, names) = UnitLoader.forArguments(units, directories: options.directories, specifiers: options.specifiers)
        var failed = false
        var objects: [[String: Any]] = []
        var printed = 0
        for name in names {
            let (lines, diagnostics) = loader.show(name)
            for d in diagnostics { FileHandle.standardError.write(Data((d.text + "\n").utf8)) }
            guard let lines else {
                failed = true
                continue
            }
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
