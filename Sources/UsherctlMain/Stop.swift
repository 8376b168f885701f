// `usherctl stop UNIT…`: asks usherd to stop each unit, as `systemctl stop`.
// Exit 0, or "Failed to stop UNIT: reason" with 1 (failed), 4 (access denied)
// or 5 (unknown unit).

import ArgumentParser

struct Stop: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Stop (deactivate) units.")

    @OptionGroup var arguments: JobArguments

    func run() throws {
        try MutatingRequest.job(.stop, units: arguments.units).run(arguments.daemon)
    }
}
