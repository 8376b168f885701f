// `usherctl list-keys`: the option table as data, one row per key: section,
// key, value type, destination field, flags (list, specifiers, unsupported,
// usher-extension, alias-of=…). `--supported` hides unsupported rows;
// `--format man` prints usher.unit(5), generated from the same table.
// `--security` prints the security-relevant keys and whether each is enforced.

import ArgumentParser
import UnitFile

struct ListKeys: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list-keys", abstract: "List every unit-file key Usher knows.")

    @Flag(name: .long, help: "Only keys usherd implements.")
    var supported = false

    @Option(name: .long, help: "table (the default) or man (usher.unit(5) in roff, as `make docs` writes it).")
    var format: String = "table"

    @Flag(name: .long, help: "The security-relevant keys instead: key, group, enforced or not enforced.")
    var security = false

    func validate() throws {
        guard format == "table" || format == "man" else { throw ValidationError("--format must be table or man") }
    }

    func run() {
        if security { return SecurityKeys.listing().forEach { print($0) } }
        if format == "man" {
            print(UnitManPage.render(), terminator: "")
            return
        }
        for line in OptionTable.listing() where !(supported && line.hasSuffix("unsupported")) {
            print(line)
        }
    }
}
