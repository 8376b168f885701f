// Where usherd's log lines go (--log-target): the console (stderr), the
// journal (libsystemd's sd_journal_sendv) or syslog(3). `auto` picks the
// journal when $JOURNAL_STREAM names the device and inode of stderr (systemd
// connected stderr to journald), else the console, as systemd's own tools do.
import Glibc
import UsherSys

public enum LogTarget: String, CaseIterable, Sendable {
    case console, journal, syslog, auto

    /// The target `auto` stands for, given $JOURNAL_STREAM and stderr's
    /// identity; the others are themselves.
    public func resolved(journalStream: String?, stderrIdentity: FileIdentity?) -> LogTarget {
        switch self {
        case .console, .journal, .syslog:
            return self
        case .auto:
            guard let journalStream, let stderrIdentity,
                  let named = LogTarget.parseJournalStream(journalStream) else { return .console }
            return named == stderrIdentity ? .journal : .console
        }
    }

    /// `DEVICE:INODE` in decimal, as systemd sets $JOURNAL_STREAM.
    static func parseJournalStream(_ text: String) -> FileIdentity? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return nil }
        return FileIdentity(device: device, inode: inode)
    }
}
