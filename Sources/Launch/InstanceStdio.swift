// Stdio of Accept=yes instances, resolved once per socket unit: with
// StandardInput=socket the connection is 0, and 1 and 2 default to it;
// otherwise stdin is /dev/null (or the file) and output goes where the
// template says, through fds shared by every instance of the unit (one
// capture pipe or journald stream per unit, not per connection).
import UnitModel
import UsherSys

public struct ResolvedInstanceStdio {
    public var stdio: (InstanceStdio, InstanceStdio, InstanceStdio)
    /// Fds the fixed entries refer to, kept open while the unit is.
    public var held: [OwnedFD] = []
    /// `DEV:INO` when stdout is a journald stream (JOURNAL_STREAM=).
    public var journalStream: String?
    /// Capture pipes' read ends for OutputCapture.
    public var captures: [(stream: String, fd: OwnedFD)] = []
}

extension ServiceLauncher {
    public static func resolveInstanceStdio(_ unit: ServiceUnit, context: DaemonContext) throws -> ResolvedInstanceStdio {
        let exec = unit.exec
        let stdinIsConnection = exec.standardInput == .socket
        let stdoutIsConnection = exec.standardOutput == .socket
            || (exec.standardOutput == nil && stdinIsConnection)
            || (exec.standardOutput == .inherit && stdinIsConnection)
        let stderrIsConnection = exec.standardError == .socket
            || ((exec.standardError == nil || exec.standardError == .inherit) && stdoutIsConnection)
        let wanted = (stdinIsConnection, stdoutIsConnection, stderrIsConnection)
        if wanted == (true, true, true) {
            return ResolvedInstanceStdio(stdio: (.connection, .connection, .connection))
        }
        let launch = try prepareStdio(unit, context: context)
        let fixed = launch.plan.stdio
        return ResolvedInstanceStdio(
            stdio: (wanted.0 ? .connection : .fixed(fixed.0), wanted.1 ? .connection : .fixed(fixed.1),
                    wanted.2 ? .connection : .fixed(fixed.2)),
            held: launch.borrowed, journalStream: wanted.1 ? nil : launch.journalStream, captures: launch.captures)
    }
}
