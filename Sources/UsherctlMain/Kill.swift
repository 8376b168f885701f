// `usherctl kill [-s SIGNAL] [--kill-whom=main|all] UNIT…`: asks usherd to
// signal a unit's processes, as `systemctl kill`. Signals by name (TERM,
// SIGTERM, RTMIN+3) or number; failures print "Failed to kill unit X: …" and exit 1.

import ArgumentParser
import ControlProtocol
import UnitFile

struct Kill: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Send a signal to a unit's processes.")

    @OptionGroup var daemon: ControlSocketOptions

    @Option(name: [.short, .long], help: ArgumentHelp("Signal name or number.", valueName: "signal"))
    var signal = "TERM"

    @Option(name: .customLong("kill-whom"), help: ArgumentHelp("main or all.", valueName: "whom"))
    var killWhom: String = KillWhom.all.rawValue

    @Argument(help: "Unit names.")
    var units: [String]

    func validate() throws {
        guard ValueParsers.signal(signal) != nil else { throw ValidationError("Failed to parse signal string \(signal).") }
        guard KillWhom(rawValue: killWhom) != nil else { throw ValidationError("Unknown kill-whom '\(killWhom)': main or all") }
    }

    func run() throws {
        let request = ControlRequest(verb: .kill, units: UnitNameArgument.mangled(units), signal: ValueParsers.signal(signal),
                                     killWhom: KillWhom(rawValue: killWhom))
        try MutatingRequest.command(request) { "kill unit \($0)" }.run(daemon)
    }
}
