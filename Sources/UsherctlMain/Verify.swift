// `usherctl verify PATH|DIR|UNIT…`: like `systemd-analyze verify`. Prints each
// diagnostic in systemd's form on stderr (or JSON on stdout with --json);
// exits 1 when a unit is refused or missing or a command is not executable,
// 0 when there are only warnings. A directory means every unit in it. Also
// prints the notes usherd logs when it loads the unit (UnsupportedSettings,
// the same code): with --strict each of them fails the verification.

import ArgumentParser
import FoundationEssentials
import Glibc
import UnitFile
import UnitModel
import Activation

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check unit files and print systemd's diagnostics.")

    @OptionGroup var options: UnitDirectoryOptions

    @Flag(name: .long, help: "Prefix each line with its syslog priority, as in the journal (<4> warning, <3> error).")
    var priority = false

    @Flag(name: .long, help: "Print the diagnostics as a JSON array on stdout.")
    var json = false

    @Flag(name: .long, help: "Fail (exit 1) on every note usherd would log when it loads the unit: settings it approximates or ignores.")
    var strict = false

    @Flag(name: .customLong("strict-sandboxing"), help: "Refuse services with protections usherd does not enforce, as usherd --strict-sandboxing does.")
    var strictSandboxing = false

    @Argument(help: "Unit files (paths), directories of them, or unit names.")
    var units: [String]

    func run() throws {
        let (arguments, notes) = UnitLoader.expandVerifyArguments(units)
        for note in notes { writeStderr("usherctl: \(note)") }
        var (loader, names) = UnitLoader.forArguments(arguments, directories: options.directories, specifiers: options.specifiers)
        loader.sandboxing = SandboxingPolicy(strict: strictSandboxing, privileged: true)
        var outcome = loader.verify(names)
        outcome.diagnostics += Verify.loadNotes(loader, names, outcome, strict: strict)
        if strict {
            // A key usherd ignores is a setting it would not enforce: a failure too.
            let ignoredKey = ["Unsupported by usherd, ignoring.", "protection not enforced by usherd, ignoring."]
            for index in outcome.diagnostics.indices
            where ignoredKey.contains(where: outcome.diagnostics[index].message.hasSuffix) {
                outcome.diagnostics[index].severity = .error
            }
        }
        if json {
            try JSONOutput.print(outcome.diagnostics.map(JSONOutput.diagnostic))
            if outcome.failed { throw ExitCode(1) }
            return
        }
        for diagnostic in outcome.diagnostics {
            writeStderr((priority ? diagnostic.prioritizedText : diagnostic.text))
        }
        for unit in outcome.protections {
            let keys = { (list: [String]) in list.isEmpty ? "none" : list.map { $0 + "=" }.joined(separator: " ") }
            print("\(unit.unit): protections enforced: \(keys(unit.enforced)); not enforced: \(keys(unit.notEnforced))")
        }
        if outcome.failed { throw ExitCode(1) }
    }

    /// What usherd logs when it loads these units, from the code it uses
    /// (UnsupportedSettings): warnings, or errors with --strict. An Accept=yes
    /// socket's template is checked as usherd checks each instance. The named
    /// units are those `verify` loaded; only a socket's service is loaded here.
    static func loadNotes(_ loader: UnitLoader, _ names: [UnitName], _ verified: VerifyOutcome, strict: Bool) -> [Diagnostic] {
        var found: [(unit: String, note: Note)] = []
        for name in names {
            switch name.kind {
            case .socket?:
                guard let socket = verified.sockets[name.full] else { continue }
                if socket.accept {
                    let instance = UnitName(socket.service.stem + "verify.service")
                    guard let service = loader.loadService(instance).0 else { continue }
                    found += UnsupportedSettings.notes(forInstanceOf: service).map { (socket.service.full, $0) }
                } else if let service = loader.loadService(socket.service).0 {
                    found += UnsupportedSettings.notes(for: service).map { (socket.service.full, $0) }
                }
            case .service?:
                guard !name.full.hasSuffix("@.service"), let service = verified.services[name.full] else { continue }
                found += UnsupportedSettings.notes(for: service).map { (name.full, $0) }
            case nil:
                continue
            }
        }
        var seen = Set<String>()
        return found.filter { seen.insert($0.unit + "\u{0}" + $0.note.text).inserted }.map { unit, note in
            Diagnostic(severity: strict ? .error : .warning, unit: unit, message: note.text + (strict ? " (--strict)" : ""))
        }
    }
}
