// Settings the loader accepts (systemd knows them) but this usherd does not
// act on yet: each gets one warning when the unit is loaded, so nobody
// relies on them silently. Pure.
import UnitModel

public enum UnsupportedSettings {
    public static func notes(for service: ServiceUnit) -> [Note] {
        var notes: [Note] = []
        if !service.execReload.isEmpty { notes.append(ignoring("ExecReload=")) }
        if service.watchdogSec != nil {
            notes.append(Note(.warning, "WatchdogSec= is not enforced by usherd yet (no WATCHDOG_USEC, no watchdog timer), ignoring."))
        }
        if service.execStart.count > 1 {
            notes.append(Note(.warning, "Only the first ExecStart= command is run by usherd, ignoring the others."))
        }
        notes += streamNotes(service.exec)
        if service.type == .forking || service.type == .dbus {
            notes.append(Note(.warning, "Type=\(service.type.rawValue) is supervised like Type=simple by usherd."))
        }
        return notes
    }

    /// An Accept=yes template: socket stdio is supported there; ExecStop=,
    /// ExecStartPre=, ExecStartPost=, ExecStopPost= and Restart= are not run per instance.
    public static func notes(forInstanceOf service: ServiceUnit) -> [Note] {
        var plain = service
        if plain.exec.standardInput == .socket { plain.exec.standardInput = .null }
        if plain.exec.standardOutput == .socket { plain.exec.standardOutput = nil }
        if plain.exec.standardError == .socket { plain.exec.standardError = nil }
        var notes = notes(for: plain)
        let perInstance = [("ExecStartPre=", !service.execStartPre.isEmpty),
                           ("ExecStartPost=", !service.execStartPost.isEmpty),
                           ("ExecStop=", !service.execStop.isEmpty),
                           ("ExecStopPost=", !service.execStopPost.isEmpty),
                           ("Restart=", service.restart != .no)]
        for (key, set) in perInstance where set { notes.append(ignoring("\(key) of an Accept=yes instance")) }
        return notes
    }

    public static func notes(for socket: SocketUnit) -> [Note] {
        var notes: [Note] = []
        if !socket.execStartPre.isEmpty { notes.append(ignoring("ExecStartPre=")) }
        if !socket.execStartPost.isEmpty { notes.append(ignoring("ExecStartPost=")) }
        if !socket.execStopPre.isEmpty { notes.append(ignoring("ExecStopPre=")) }
        if !socket.execStopPost.isEmpty { notes.append(ignoring("ExecStopPost=")) }
        return notes
    }

    /// stdin other than null/file: gets /dev/null; tty, kmsg, socket or fd: output goes to the log pipe.
    static func streamNotes(_ exec: ExecContext) -> [Note] {
        var notes: [Note] = []
        switch exec.standardInput {
        case .null, .file: break
        default: notes.append(Note(.warning, "StandardInput=\(exec.standardInput) is not supported by usherd yet, using /dev/null."))
        }
        for (key, output) in [("StandardOutput", exec.standardOutput), ("StandardError", exec.standardError)] {
            switch output {
            case .tty?, .kmsg?, .socket?, .fd?:
                notes.append(Note(.warning, "\(key)=\(output.map { "\($0)" } ?? "") is not supported by usherd yet, using the log pipe."))
            default: break
            }
        }
        return notes
    }

    private static func ignoring(_ key: String) -> Note {
        Note(.warning, "\(key) is not supported by usherd yet, ignoring.")
    }
}
