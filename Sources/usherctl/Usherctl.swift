// usherctl: the control CLI. The root command groups the subcommands; the
// offline verbs (verify, cat, show, list-keys, listen-check) read unit files directly and
// need no daemon. Exit codes: 0 success, 1 refused/missing unit, 64 usage.

import ArgumentParser

@main
struct Usherctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "usherctl",
        abstract: "Control and inspect Usher, the socket-activation supervisor.",
        subcommands: [Verify.self, Cat.self, Show.self, ListKeys.self, ListenCheck.self, Import.self]
    )
}
