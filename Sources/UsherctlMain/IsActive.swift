// `usherctl is-active [--quiet] UNIT…`: prints each unit's ActiveState; exit 0
// when at least one is active (or reloading), else 3, as `systemctl is-active`.

import ArgumentParser

struct IsActive: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "is-active", abstract: "Check whether units are active.")

    @OptionGroup var arguments: StateCheckArguments

    func run() throws {
        try StateCheck(wanted: ["active", "reloading"], otherwise: ControlExit.inactive).run(arguments)
    }
}
