// Stdio of Accept=yes instances, resolved once per socket unit: with
// StandardInput=socket the connection is 0, and 1 and 2 default to it;
// otherwise stdin is /dev/null (or the file) and output goes where the
// template says: files, null or a journald stream shared by every instance,
// or, where usherd captures it, a pipe of each instance's own (`.ownPipe`),
// so its lines carry the instance's name as systemd's journal does.
import UnitModel
import UsherSys

public struct ResolvedInstanceStdio {
    public var stdio: (InstanceStdio, InstanceStdio, InstanceStdio)
    /// Fds the fixed entries refer to, kept open while the unit is.
    public var held: [OwnedFD] = []
    /// `DEV:INO` when stdout is a journald stream (JOURNAL_STREAM=).
    public var journalStream: String?
    /// Whether an instance needs a pipe of its own for its output.
    public var needsOwnPipe: Bool {
        for choice in [stdio.1, stdio.2] { if case .ownPipe = choice { return true } }
        return false
    }
    /// Whether an instance needs its own copy of StandardInput=data.
    public var needsOwnData: Bool {
        if case .ownData = stdio.0 { return true }
        return false
    }
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
        let launch = try prepareStdio(unit, socket: nil, context: context)
        let fixed = launch.plan.stdio
        let captured = launch.captureWriteEnds
        func choice(_ isConnection: Bool, _ fd: Int32) -> InstanceStdio {
            isConnection ? .connection : captured.contains(fd) ? .ownPipe : .fixed(fd)
        }
        // The unit-wide capture pipes and data memfd are not used: each instance gets its own.
        let input = exec.standardInput == .data ? InstanceStdio.ownData : choice(wanted.0, fixed.0)
        return ResolvedInstanceStdio(
            stdio: (input, choice(wanted.1, fixed.1), choice(wanted.2, fixed.2)),
            held: launch.borrowed.filter { !captured.contains($0.raw) },
            journalStream: wanted.1 ? nil : launch.journalStream)
    }
}
