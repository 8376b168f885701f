// `usherctl is-failed [--quiet] UNIT…`: prints each unit's ActiveState; exit 0
// when at least one is failed, else 1, as `systemctl is-failed`.

import ArgumentParser

struct IsFailed: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "is-failed", abstract: "Check whether units have failed.")

    @OptionGroup var arguments: StateCheckArguments

    func run() throws {
        try StateCheck(wanted: ["failed"], otherwise: ControlExit.failed).run(arguments)
    }
}
