// `usherctl verify PATH|UNIT…`: like `systemd-analyze verify`. Prints each
// diagnostic in systemd's form on stderr; exits 1 when a unit is refused or
// missing, 0 when there are only warnings.

import ArgumentParser
import Foundation
import UnitFile

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check unit files and print systemd's diagnostics.")

    @OptionGroup var options: UnitDirectoryOptions

    @Flag(name: .long, help: "Prefix each line with its syslog priority, as in the journal (<4> warning, <3> error).")
    var priority = false

    @Argument(help: "Unit files (paths) or unit names.")
    var units: [String]

    func run() throws {
        let (loader, names) = UnitLoader.forArguments(units, directories: options.directories, specifiers: options.specifiers)
        let outcome = loader.verify(names)
        for diagnostic in outcome.diagnostics {
            FileHandle.standardError.write(Data(((priority ? diagnostic.prioritizedText : diagnostic.text) + "\n").utf8))
        }
        if outcome.failed { throw ExitCode(1) }
    }
}
