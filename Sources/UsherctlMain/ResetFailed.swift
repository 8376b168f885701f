// `usherctl reset-failed [UNIT…]`: asks usherd to forget failed states (all
// units when none named), as `systemctl reset-failed`; failures exit 1.

import ArgumentParser
import ControlProtocol

struct ResetFailed: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reset-failed",
                                                    abstract: "Reset the failed state of units (all when none named).")

    @OptionGroup var daemon: ControlSocketOptions

    @Argument(help: "Unit names.")
    var units: [String] = []

    func run() throws {
        let request = ControlRequest(verb: .resetFailed, units: UnitNameArgument.mangled(units))
        try MutatingRequest.command(request) { "reset failed state of unit \($0)" }.run(daemon)
    }
}
