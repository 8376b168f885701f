// `usherctl cat UNIT…`: the unit file and its drop-ins in the order they are
// applied, each headed by `# PATH`, like `systemctl cat`.

import ArgumentParser
import FoundationEssentials
import Glibc
import UnitFile
import UnitModel

struct Cat: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a unit file and its drop-ins.")

    @OptionGroup var options: UnitDirectoryOptions

    @Argument(help: "Unit names.")
    var units: [String]

    func run() throws {
        let loader = UnitLoader(directories: options.directories, specifiers: options.specifiers)
        var missing = false
        for (i, unit) in units.enumerated() {
            guard let text = loader.cat(UnitName(unit)) else {
                writeStderr("No files found for \(unit).")
                missing = true
                continue
            }
            print((i > 0 ? "\n" : "") + text, terminator: "")
        }
        if missing { throw ExitCode(1) }
    }
}
