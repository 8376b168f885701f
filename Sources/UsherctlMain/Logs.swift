// `usherctl logs UNIT [-n N] [-f]`: the newest N log lines of a unit (see
// LogText for the line format); with -f, then every new line until usherd
// closes or SIGINT arrives (exit 0). --json prints one LogLine object per line.

import ArgumentParser
import ControlProtocol
import FoundationEssentials
import Glibc

struct Logs: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a unit's log lines; -f follows new ones.")

    @OptionGroup var daemon: ControlSocketOptions

    @Option(name: [.customShort("n"), .long], help: "How many of the newest lines.")
    var lines = 10

    @Flag(name: [.short, .long], help: "Keep printing new lines until interrupted.")
    var follow = false

    @Flag(name: .long, help: "One JSON object per line (ControlProtocol's LogLine).")
    var json = false

    @Argument(help: "A unit name.")
    var unit: String

    func validate() throws {
        guard lines >= 0 else { throw ValidationError("--lines must not be negative") }
    }

    func run() throws {
        // Interrupting a follow is the normal way to end it, as with journalctl -f.
        signal(SIGINT) { _ in _exit(0) }
        let text = LogText(terminal: .current)
        let name = UnitNameArgument.mangled(unit)
        let request = ControlRequest(verb: .logs, units: [name], lines: lines, follow: follow ? true : nil)
        try ControlExit.talking {
            try daemon.client().stream(request) { response in
                if let error = response.error { throw ControlExit.forRead(error, unit: name) }
                for line in response.logs ?? [] {
                    if json { try JSONOutput.printLine(line) } else { print(text.line(line)) }
                }
                fflush(stdout)
                return follow
            }
        }
    }
}
