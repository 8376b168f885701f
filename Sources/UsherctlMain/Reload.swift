// `usherctl reload UNIT…`: asks usherd to run each service's ExecReload= (with $MAINPID),
// as `systemctl reload`; answered once the reload finished.
// Exit 0, or "Failed to reload UNIT: reason" with 1 (failed), 4 (access denied)
// or 5 (unknown unit).

import ArgumentParser

struct Reload: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the ExecReload= commands of services.")

    @OptionGroup var arguments: JobArguments

    func run() throws {
        try MutatingRequest.job(.reload, units: arguments.units).run(arguments.daemon)
    }
}
