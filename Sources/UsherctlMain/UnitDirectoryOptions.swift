// Options shared by every verb that reads unit files: the search path
// (repeatable --unit-dir, defaulting to Usher's system or user directories)
// and whether specifiers describe a user manager.

import ArgumentParser
import UnitFile

struct UnitDirectoryOptions: ParsableArguments {
    @Option(name: .customLong("unit-dir"), help: "Unit directory, highest priority first (repeatable).")
    var unitDirectories: [String] = []

    @Flag(name: .long, help: "Use the user manager's search path and specifiers.")
    var user = false

    var directories: [String] {
        unitDirectories.isEmpty ? UnitSearchPath.defaults(userManager: user) : unitDirectories
    }

    var specifiers: SpecifierContext { SpecifierContext.current(userManager: user) }
}
