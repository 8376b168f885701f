// usherd's log output to the journal (--log-target=journal) through
// libsystemd's sd_journal_sendv: MESSAGE, PRIORITY, SYSLOG_IDENTIFIER=usherd
// and UNIT= the unit a line is about (also USHER_UNIT=, which journalctl can
// match whoever runs usherd); or to syslog(3). No protocol is written here.
import Activation
import CSystemd
import Glibc
import Logging

struct SystemLogHandler: LogHandler {
    enum Destination { case journal, syslog }
    let destination: Destination
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    /// openlog keeps the identity pointer for the life of the process, so it
    /// gets a copy that is never freed (a literal bridged for the call is not).
    private static let syslogOpened: Void = openlog(strdup("usherd"), LOG_PID | LOG_NDELAY, LOG_DAEMON)

    init(_ destination: Destination, level: Logger.Level) {
        self.destination = destination
        self.logLevel = level
        if destination == .syslog { SystemLogHandler.syslogOpened }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let unit = LogLine.unit(of: event, or: metadata)
        let line = LogLine.text(message: LogEscaping.escape(event.message.description), unit: unit)
        let priority = LogLine.syslogPriority(event.level)
        switch destination {
        case .journal:
            var fields = ["MESSAGE=\(line)", "PRIORITY=\(priority)", "SYSLOG_IDENTIFIER=usherd"]
            if let unit { fields += ["UNIT=\(unit)", "USHER_UNIT=\(unit)"] }
            SystemLogHandler.sendToJournal(fields)
        case .syslog:
            line.withCString { text in withVaList([text]) { vsyslog(priority, "%s", $0) } }
        }
    }

    /// One entry of `KEY=value` fields; a failed send is dropped, as logging cannot report itself.
    static func sendToJournal(_ fields: [String]) {
        var bytes: [UInt8] = []
        var ranges: [Range<Int>] = []
        for field in fields {
            let start = bytes.count
            bytes += field.utf8
            ranges.append(start..<bytes.count)
        }
        bytes.withUnsafeMutableBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            let vectors = ranges.map { iovec(iov_base: base + $0.lowerBound, iov_len: $0.count) }
            _ = sd_journal_sendv(vectors, Int32(vectors.count))
        }
    }
}

/// What every target shares: the unit named once, and syslog's priorities.
enum LogLine {
    /// `UNIT: message`, the unit named once: a diagnostic already starts with it (`web.socket:4: …`).
    static func text(message: String, unit: String?) -> String {
        guard let unit, !startsWithUnit(message, unit) else { return message }
        return unit + ": " + message
    }

    /// The same text appended to `bytes` (the stderr line builds its bytes in one buffer).
    static func appendText(message: String, unit: String?, to bytes: inout [UInt8]) {
        if let unit, !startsWithUnit(message, unit) {
            bytes += unit.utf8
            bytes += ": ".utf8
        }
        bytes += message.utf8
    }

    /// Whether `message` is `UNIT:…` already.
    private static func startsWithUnit(_ message: String, _ unit: String) -> Bool {
        message.utf8.starts(with: unit.utf8) && message.utf8.dropFirst(unit.utf8.count).first == UInt8(ascii: ":")
    }

    /// The "unit" metadata of the event, else of the handler, escaped.
    static func unit(of event: LogEvent, or handlerMetadata: Logger.Metadata) -> String? {
        guard let value = event.metadata?["unit"] ?? handlerMetadata["unit"] else { return nil }
        if case .string(let text) = value { return LogEscaping.escape(text) }
        return LogEscaping.escape("\(value)")
    }

    static func syslogPriority(_ level: Logger.Level) -> Int32 {
        switch level {
        case .trace, .debug: return LOG_DEBUG
        case .info: return LOG_INFO
        case .notice: return LOG_NOTICE
        case .warning: return LOG_WARNING
        case .error: return LOG_ERR
        case .critical: return LOG_CRIT
        }
    }
}
