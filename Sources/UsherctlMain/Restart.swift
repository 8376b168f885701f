// `usherctl restart UNIT…`: asks usherd to restart each unit, as `systemctl restart`.
// Exit 0, or "Failed to restart UNIT: reason" with 1 (failed), 4 (access denied)
// or 5 (unknown unit).

import ArgumentParser

struct Restart: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Stop, then start units.")

    @OptionGroup var arguments: JobArguments

    func run() throws {
        try MutatingRequest.job(.restart, units: arguments.units).run(arguments.daemon)
    }
}
