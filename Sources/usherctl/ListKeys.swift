// `usherctl list-keys`: the option table as data, one row per key: section,
// key, value type, destination field, flags (list, specifiers, unsupported,
// usher-extension, alias-of=…). `--supported` hides unsupported rows.

import ArgumentParser
import UnitFile

struct ListKeys: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list-keys", abstract: "List every unit-file key Usher knows.")

    @Flag(name: .long, help: "Only keys usherd implements.")
    var supported = false

    func run() {
        for line in OptionTable.listing() where !(supported && line.hasSuffix("unsupported")) {
            print(line)
        }
    }
}
