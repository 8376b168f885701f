// usherctl: the control CLI. The offline verbs (verify, cat, show, list-keys,
// listen-check, import) read files directly; the daemon verbs (status, list-units,
// start, logs…) ask a running usherd over its control socket. Exit codes are
// systemctl's (see ControlExit): 0 ok, 1 failed, 3 inactive, 4/5, 64 usage, 69 unreachable.
// Called by the `usherctl` executable and by the `usher` multi-call binary.

import ArgumentParser
import CUsherVersion
import Glibc
import UsherSys

struct Usherctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "usherctl",
        abstract: "Control and inspect Usher, the socket-activation supervisor.",
        version: "usherctl " + String(cString: usher_version_text()),
        subcommands: [
            Status.self, ListUnits.self, ListSockets.self, Start.self, Stop.self, Restart.self, Reload.self, Kill.self,
            ResetFailed.self, IsActive.self, IsFailed.self, Logs.self, DaemonReload.self, DaemonReexec.self,
            Verify.self, Cat.self, Enable.self, Disable.self, IsEnabled.self, Show.self, ListKeys.self, ListenCheck.self, Import.self,
        ]
    )

    /// `--control-socket PATH` may come before the verb, as systemctl's global options do.
    static func main() {
        // A write to a usherd that already closed is an EPIPE to report, not a signal to die of.
        Signals.ignore(SIGPIPE)
        main(ControlSocketOptions.hoisted(Array(CommandLine.arguments.dropFirst())))
    }
}

/// Runs usherctl with the process's arguments.
public func usherctlMain() {
    Usherctl.main()
}
