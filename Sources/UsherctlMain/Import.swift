// `usherctl import xinetd FILE|DIR` and `usherctl import inetd FILE`: turn
// xinetd stanzas or inetd.conf lines into .socket/.service pairs, printed
// with `# NAME` headers or written to --output (never over existing files
// without --force). Exit codes: 0 complete, 1 something not mapped or an error.

import ArgumentParser
import FoundationEssentials
import Glibc
import UnitFile

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Turn xinetd or inetd configuration into socket and service units.",
        discussion: """
            What cannot be mapped is a comment in the unit and a FILE:LINE line on stderr. \
            Exit status: 0 complete, 1 something not mapped or an error, 64 usage. See usherctl-import(1).
            """,
        subcommands: [ImportXinetd.self, ImportInetd.self])
}

struct ImportOutputOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Write the units into this directory instead of printing them.", valueName: "dir"))
    var output: String?

    @Flag(name: .long, help: "Overwrite units that already exist in --output.")
    var force = false

    @Flag(name: .customLong("include-disabled"), help: "Also import services that are disabled (disable = yes, #<off>#).")
    var includeDisabled = false

    @Option(name: .long, help: ArgumentHelp("The services file that names ports.", valueName: "file"))
    var services = "/etc/services"

    func validate() throws {
        if force && output == nil { throw ValidationError("--force needs --output") }
        if !FileManager.default.isReadableFile(atPath: services) {
            throw ValidationError("cannot read the services file \(services)")
        }
    }

    func importOptions() -> ImportOptions {
        let text = FileManager.default.contents(atPath: services).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return ImportOptions(servicesFile: ServicesFile(text: text), includeDisabled: includeDisabled)
    }

    /// Reports the notes, then prints or writes the units; throws exit 1 when the import is incomplete or failed.
    func finish(_ result: ImportResult) throws {
        for line in result.reportLines { writeStderr(line) }
        var failed = !result.complete
        if let output {
            failed = try !write(result.units, to: output) || failed
        } else {
            print(result.units.map { "# \($0.name)\n\($0.text)" }.joined(separator: "\n"), terminator: "")
        }
        if failed { throw ExitCode(1) }
    }

    /// Writes every unit, or none when one exists already and --force is not given.
    func write(_ units: [GeneratedUnit], to directory: String) throws -> Bool {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let existing = units.map { directory + "/" + $0.name }.filter { FileManager.default.fileExists(atPath: $0) }
        if !force && !existing.isEmpty {
            for path in existing { writeStderr("usherctl: \(path) exists, not overwriting it (use --force)") }
            return false
        }
        for unit in units {
            try Data(unit.text.utf8).write(to: URL(fileURLWithPath: directory + "/" + unit.name))
        }
        writeStderr("usherctl: wrote \(units.count) unit file(s) to \(directory)")
        return true
    }
}

struct ImportXinetd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xinetd",
        abstract: "Import xinetd.conf or an xinetd.d directory (includes and defaults followed).")

    @OptionGroup var options: ImportOutputOptions

    @Argument(help: "An xinetd configuration file or directory.")
    var path: String

    func validate() throws {
        if !FileManager.default.fileExists(atPath: path) { throw ValidationError("\(path) does not exist") }
    }

    func run() throws {
        try options.finish(XinetdImport.run(path: path, options: options.importOptions()))
    }
}

struct ImportInetd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inetd",
        abstract: "Import an inetd.conf file.")

    @OptionGroup var options: ImportOutputOptions

    @Argument(help: "An inetd.conf file.")
    var file: String

    func validate() throws {
        if !FileManager.default.isReadableFile(atPath: file) { throw ValidationError("cannot read \(file)") }
    }

    func run() throws {
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: file)), as: UTF8.self)
        try options.finish(InetdConfImport.importText(text, file: file, options: options.importOptions()))
    }
}
