// `usherctl enable|disable|is-enabled UNIT…`: systemctl's enablement on Usher's
// unit directories (UnitFile's Enablement writes the links). Links go to the
// first --unit-dir; usherd starts enabled services at its next start-up, or at
// once with --now (daemon-reload, then start; disable --now stops).

import ArgumentParser
import ControlProtocol
import UnitFile
import UnitModel

struct Enable: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Link units into TARGET.wants/ (and Alias= names) from their [Install] section.")

    @OptionGroup var arguments: InstallArguments

    func run() throws {
        let (enablement, names) = (arguments.enablement, arguments.names)
        let changes = try InstallVerb.run("enable") { try enablement.enable(names) }
        if changes.isEmpty && names.allSatisfy({ enablement.state($0) == .static }) {
            writeStderr(InstallVerb.noInstallConfig)
        }
        if arguments.now { try arguments.applyNow(.start) }
    }
}

struct Disable: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Remove the links enable created.")

    @OptionGroup var arguments: InstallArguments

    func run() throws {
        _ = try InstallVerb.run("disable") { [arguments] in try arguments.enablement.disable(arguments.names) }
        if arguments.now { try arguments.applyNow(.stop) }
    }
}

struct IsEnabled: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "is-enabled",
                                                    abstract: "Print whether units are enabled, disabled, static…")

    @Flag(name: .shortAndLong, help: "Print nothing; only the exit status tells.")
    var quiet = false

    @OptionGroup var arguments: InstallArguments

    /// Exit 0 when one unit is in an enabled-like state, as systemctl; 1 otherwise, 4 when one is missing.
    func run() throws {
        var status: Int32 = 1
        for name in arguments.names {
            guard let state = arguments.enablement.state(name) else {
                writeStderr("Failed to get unit file state for \(name.full): No such file or directory")
                throw ExitCode(4)
            }
            if !quiet { print(state.rawValue) }
            if state.exitStatus == 0 { status = 0 }
        }
        if status != 0 { throw ExitCode(status) }
    }
}

/// The unit directories and unit names every install verb takes.
struct InstallArguments: ParsableArguments {
    @OptionGroup var options: UnitDirectoryOptions

    @Flag(name: .long, help: "Also start (enable) or stop (disable) the units, after a daemon-reload.")
    var now = false

    @Option(name: .customLong("control-socket"), help: ArgumentHelp("usherd's control socket (with --now).", valueName: "path"))
    var controlSocket: String?

    @Argument(help: "Unit names.")
    var units: [String]

    var names: [UnitName] { UnitNameArgument.mangled(units).map(UnitName.init) }

    /// --now: usherd reloads its unit files (so it sees new units), then starts or stops them.
    func applyNow(_ verb: ControlVerb) throws {
        let daemon = DaemonClient(path: ControlSocketOptions.socketPath(explicit: controlSocket, user: options.user))
        let response = try ControlExit.talking { try daemon.send(ControlRequest(verb: .daemonReload)) }
        if let error = response.error { throw ControlExit.forCommand(error, action: "reload daemon") }
        try MutatingRequest.job(verb, units: units).run(daemon)
    }

    var enablement: Enablement {
        Enablement(loader: UnitLoader(directories: options.directories, specifiers: options.specifiers))
    }
}

enum InstallVerb {
    /// systemctl's words for units that have nothing to enable.
    static let noInstallConfig = """
        The unit files have no installation config (WantedBy=, RequiredBy=, Also=,
        Alias= settings in the [Install] section, and DefaultInstance= for template
        units). This means they are not meant to be enabled using usherctl.
        """

    /// Runs `body`, reports each change on stderr as systemctl does, and turns a refusal into exit 1.
    static func run(_ verb: String, _ body: () throws -> [InstallChange]) throws -> [InstallChange] {
        do {
            let changes = try body()
            changes.forEach { writeStderr($0.description) }
            return changes
        } catch let error as EnablementError {
            writeStderr("Failed to \(verb) unit: \(error.description)")
            throw ExitCode(1)
        }
    }
}
