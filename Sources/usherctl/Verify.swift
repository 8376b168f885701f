// `usherctl verify PATH|DIR|UNIT…`: like `systemd-analyze verify`. Prints each
// diagnostic in systemd's form on stderr (or JSON on stdout with --json);
// exits 1 when a unit is refused or missing or a command is not executable,
// 0 when there are only warnings. A directory means every unit in it.

import ArgumentParser
import Foundation
import UnitFile

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check unit files and print systemd's diagnostics.")

    @OptionGroup var options: UnitDirectoryOptions

    @Flag(name: .long, help: "Prefix each line with its syslog priority, as in the journal (<4> warning, <3> error).")
    var priority = false

    @Flag(name: .long, help: "Print the diagnostics as a JSON array on stdout.")
    var json = false

    @Flag(name: .customLong("strict-sandboxing"), help: "Refuse services with protections usherd does not enforce, as usherd --strict-sandboxing does.")
    var strictSandboxing = false

    @Argument(help: "Unit files (paths), directories of them, or unit names.")
    var units: [String]

    func run() throws {
        let (arguments, notes) = UnitLoader.expandVerifyArguments(units)
        for note in notes { FileHandle.standardError.write(Data("usherctl: \(note)\n".utf8)) }
        var (loader, names) = UnitLoader.forArguments(arguments, directories: options.directories, specifiers: options.specifiers)
        loader.sandboxing = SandboxingPolicy(strict: strictSandboxing, privileged: true)
        let outcome = loader.verify(names)
        if json {
            try JSONOutput.print(outcome.diagnostics.map(JSONOutput.diagnostic))
            if outcome.failed { throw ExitCode(1) }
            return
        }
        for diagnostic in outcome.diagnostics {
            FileHandle.standardError.write(Data(((priority ? diagnostic.prioritizedText : diagnostic.text) + "\n").utf8))
        }
        for unit in outcome.protections {
            let keys = { (list: [String]) in list.isEmpty ? "none" : list.map { $0 + "=" }.joined(separator: " ") }
            print("\(unit.unit): protections enforced: \(keys(unit.enforced)); not enforced: \(keys(unit.notEnforced))")
        }
        if outcome.failed { throw ExitCode(1) }
    }
}
