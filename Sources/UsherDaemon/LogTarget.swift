// Where usherd's log lines go (--log-target): the console (stderr), the
// journal (libsystemd's sd_journal_sendv) or syslog(3). `auto` picks the
// journal when $JOURNAL_STREAM names the device and inode of stderr (systemd
// connected stderr to journald), else the console, as systemd's own tools do.
import Glibc

public enum LogTarget: String, CaseIterable, Sendable {
    case console, journal, syslog, auto

    /// The target `auto` stands for, given $JOURNAL_STREAM and stderr's
    /// identity; the others are themselves.
    public func resolved(journalStream: String?, stderrIdentity: (device: UInt64, inode: UInt64)?) -> LogTarget {
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
    static func parseJournalStream(_ text: String) -> (device: UInt64, inode: UInt64)? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return nil }
        return (device, inode)
    }

    /// The device and inode of fd 2, or nil when it is closed.
    public static func stderrIdentity() -> (device: UInt64, inode: UInt64)? {
        var status = stat()
        guard fstat(2, &status) == 0 else { return nil }
        return (UInt64(status.st_dev), UInt64(status.st_ino))
    }
}
