// Settings the loader accepts (systemd knows them) but this usherd does not
// act on yet: each gets one warning when the unit is loaded, so nobody
// relies on them silently. Pure.
import UnitModel

public enum UnsupportedSettings {
    public static func notes(for service: ServiceUnit) -> [Note] {
        streamNotes(service.exec)
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
                           ("ExecReload=", !service.execReload.isEmpty),
                           ("WatchdogSec=", service.watchdogSec != nil),
                           ("ExecStop=", !service.execStop.isEmpty),
                           ("ExecStopPost=", !service.execStopPost.isEmpty),
                           ("Restart=", service.restart != .no)]
        for (key, set) in perInstance where set { notes.append(ignoring("\(key) of an Accept=yes instance")) }
        if service.type == .forking || service.type == .dbus {
            notes.append(Note(.warning, "Type=\(service.type.rawValue) of an Accept=yes instance is supervised like Type=simple by usherd."))
        }
        return notes
    }

    /// stdin from an fd store name (fd:) gets /dev/null; kmsg or fd: output goes to the log pipe.
    static func streamNotes(_ exec: ExecContext) -> [Note] {
        var notes: [Note] = []
        if case .fd(let name) = exec.standardInput {
            notes.append(Note(.warning, "StandardInput=fd:\(name) is not supported by usherd yet, using /dev/null."))
        }
        for (key, output) in [("StandardOutput", exec.standardOutput), ("StandardError", exec.standardError)] {
            let value: String
            switch output {
            case .kmsg?: value = "kmsg"
            case .fd(let name)?: value = "fd:\(name)"
            default: continue
            }
            notes.append(Note(.warning, "\(key)=\(value) is not supported by usherd yet, using the log pipe."))
        }
        return notes
    }

    private static func ignoring(_ key: String) -> Note {
        Note(.warning, "\(key) is not supported by usherd yet, ignoring.")
    }
}
