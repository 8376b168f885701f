// usherd's command: blocks the signals the loop handles before anything else
// runs, parses flags, bootstraps logging (only here), and runs UsherDaemon
// until SIGTERM/SIGINT. Exit codes: 0 stopped cleanly, 64 usage, 1 could not
// start. Called by the `usherd` executable and by the `usher` multi-call binary.
import ArgumentParser
import CUsherVersion
import Glibc
import Logging
import UsherDaemon
import UsherSys

struct Usherd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "usherd",
        abstract: "Bind every socket unit up front and start services on first traffic, as systemd does.",
        version: "usherd " + String(cString: usher_version_text()))

    @Option(name: .customLong("unit-dir"), help: "A unit directory (repeatable; earlier ones win). Default: the search path.")
    var unitDirectories: [String] = []

    @Flag(name: .customLong("user"), help: "Run as a user manager: user unit paths, $XDG_RUNTIME_DIR/usher.")
    var userManager = false

    @Option(name: .customLong("runtime-dir"), help: ArgumentHelp(
        "Directory for usherd's notify socket, control socket and lock (default /run/usher; with --user or as non-root $XDG_RUNTIME_DIR/usher).",
        discussion: "usherd creates it (0755 for root's system instance, else 0700) or uses an existing one only when usherd's uid owns it and neither group nor others can write to it. One usherd per directory: a second one exits 1."))
    var runtimeDirectory: String?

    @Option(name: .customLong("control-socket"), help: ArgumentHelp(
        "Path of the control socket usherctl talks to (default: control in the runtime directory).",
        discussion: "usherd replaces only a stale socket there, never another kind of file or a socket in use, and removes it at exit if it is still its own."))
    var controlSocket: String?

    @Option(name: .customLong("admin-group"), help: ArgumentHelp(
        "Group whose members may start, stop, kill and reload over the control socket (besides root and usherd's uid).",
        discussion: "A group that does not exist grants nothing. Reading (status, logs) is open to every local user."))
    var adminGroup: String = "usher"

    @Flag(name: .customLong("watch"), help: ArgumentHelp(
        "Reload by itself when files in the unit directories or their .d drop-in directories change.",
        discussion: "Changes are debounced: one reload 200 ms after the last change of a burst, at most 2 s after its first. Off by default, as systemd needs an explicit daemon-reload."))
    var watch = false

    @Flag(name: .customLong("strict-sandboxing"), help: ArgumentHelp(
        "Refuse to load a service that sets a protection usherd does not enforce.",
        discussion: "By default such a service loads with a warning and 'usherctl status' shows a 'protection not enforced' line; see SANDBOXING in usherd(8) and 'usherctl list-keys --security'."))
    var strictSandboxing = false

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @Option(name: .customLong("log-format"), help: "text or json (for the console target).")
    var logFormat: String = "text"

    @Option(name: .customLong("log-target"), help: ArgumentHelp(
        "console, journal, syslog or auto.",
        discussion: "auto (the default) logs to the journal when $JOURNAL_STREAM names usherd's stderr, as under a systemd service, else to the console (stderr)."))
    var logTarget: String = "auto"

    @Option(name: .customLong("deserialize"), help: ArgumentHelp(
        "The fd with the state of the usherd that re-executed into this one (set by usherd itself).", visibility: .hidden))
    var deserializeFD: Int32?

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        guard LogTarget(rawValue: logTarget) != nil else {
            throw ValidationError("--log-target must be one of console, journal, syslog, auto")
        }
        guard logFormat == "text" || logFormat == "json" else {
            throw ValidationError("--log-format must be text or json")
        }
        if let controlSocket, !controlSocket.hasPrefix("/") {
            throw ValidationError("--control-socket must be an absolute path")
        }
    }

    /// This usherd's arguments as given, without a previous --deserialize FD (a re-exec adds its own).
    static func commandLineForReexec() -> [String] {
        var arguments: [String] = []
        var skipNext = false
        for argument in Swift.CommandLine.arguments {
            if skipNext {
                skipNext = false
            } else if argument == "--deserialize" {
                skipNext = true
            } else if !argument.hasPrefix("--deserialize=") {
                arguments.append(argument)
            }
        }
        return arguments
    }

    static func isDirectory(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    }

    /// Only here is logging bootstrapped: one handler for the chosen target.
    func bootstrapLogging() {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        let json = logFormat == "json"
        let target = (LogTarget(rawValue: logTarget) ?? .auto).resolved(
            journalStream: getenv("JOURNAL_STREAM").map { String(cString: $0) },
            stderrIdentity: try? FileIdentity.of(2))
        switch target {
        case .journal: LoggingSystem.bootstrap { _ in SystemLogHandler(.journal, level: level) }
        case .syslog: LoggingSystem.bootstrap { _ in SystemLogHandler(.syslog, level: level) }
        case .console, .auto: LoggingSystem.bootstrap { label in StderrLogHandler(label: label, level: level, json: json) }
        }
    }

    func run() throws {
        // Before anything opens an fd: what the previous image handed over (the re-exec fallback sorts these).
        let inherited = deserializeFD == nil ? [] : openFileDescriptors().filter { $0 > 2 }
        bootstrapLogging()
        let logger = Logger(label: "usherd")
        // A directory named on the command line must exist; the default search path stays lenient, as systemd's.
        for directory in unitDirectories where !Usherd.isDirectory(directory) {
            printError("usherd: unit directory \(directory) does not exist or is not a directory")
            throw ExitCode(1)
        }
        var options = DaemonOptions(unitDirectories: unitDirectories, userManager: userManager,
                                    runtimeDirectory: runtimeDirectory, controlSocketPath: controlSocket,
                                    adminGroup: adminGroup)
        options.watch = watch
        options.strictSandboxing = strictSandboxing
        options.deserializeFD = deserializeFD
        options.inheritedFDs = inherited
        options.commandLine = Usherd.commandLineForReexec()
        do {
            let daemon = try Daemon(options: options, logger: logger)
            let code = try daemon.run()
            throw ExitCode(code)
        } catch let exit as ExitCode {
            throw exit
        } catch let unusable as RuntimeDirectoryError {
            printError("usherd: \(unusable)")
            throw ExitCode(1)
        } catch {
            logger.critical("Cannot run: \(error)")
            throw ExitCode(1)
        }
    }
}

/// One line on stderr, for errors before or outside logging.
func printError(_ line: String) {
    var text = line + "\n"
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

/// Runs usherd with the process's arguments; first thing in main, before any thread exists,
/// so every thread inherits the signal mask and the loop's signalfd gets these signals.
public func usherdMain() {
    do {
        try Signals.block([Signals.terminate, Signals.interrupt, Signals.hangup, Signals.user2, Signals.child])
    } catch {
        print("usherd: fatal: unable to block signals: \(error)")
    }
    // Services start from the limits usherd was started with (ProcessLimits.atStartup
    // records them here), not from the higher RLIMIT_NOFILE usherd takes for itself.
    ProcessLimits.raiseOpenFiles()
    Usherd.main()
}
