// systemd-analyze verify's check that every command a unit runs exists and
// is executable: `Command PATH is not executable: REASON`, an error. A command
// with the `-` prefix is skipped, as systemd skips it. A bare program name is
// looked up in the default service PATH, as usherd looks it up at spawn.
import Glibc
import UnitModel

enum ExecutableCheck {
    static let servicePath = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]

    static func diagnostics(unit: String, commands: [CommandLine]) -> [Diagnostic] {
        commands.filter { !$0.ignoreFailure }.compactMap { command in
            guard let errno = problem(command.path) else { return nil }
            let reason = String(cString: strerror(errno))
            return Diagnostic(severity: .error, unit: unit, message: "Command \(command.path) is not executable: \(reason)")
        }
    }

    /// The errno that makes `path` not executable, or nil when it can be run.
    static func problem(_ path: String) -> Int32? {
        guard path.hasPrefix("/") else {
            return servicePath.contains { problem("\($0)/\(path)") == nil } ? nil : ENOENT
        }
        var status = stat()
        guard stat(path, &status) == 0 else { return errno }
        if (status.st_mode & S_IFMT) == S_IFDIR { return EISDIR }
        return access(path, X_OK) == 0 ? nil : errno
    }
}

extension ServiceUnit {
    /// Every command line the service may run, in systemd's order.
    var allCommands: [CommandLine] {
        execStartPre + execStart + self.execStartPost + self.execReload + self.execStop + self.execStopPost
    }
}

extension SocketUnit {
    var allCommands: [CommandLine] { self.execStartPre + self.execStartPost + self.execStopPre + self.execStopPost }
}
