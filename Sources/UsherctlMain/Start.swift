// `usherctl start UNIT…`: asks usherd to start each unit, as `systemctl start`.
// Exit 0, or "Failed to start UNIT: reason" with 1 (failed), 4 (access denied)
// or 5 (unknown unit).

import ArgumentParser

struct Start: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start (activate) units.")

    @OptionGroup var arguments: JobArguments

    func run() throws {
        try MutatingRequest.job(.start, units: arguments.units).run(arguments.daemon)
    }
}
