// The per-unit log that `usherctl status` and `usherctl logs` read: each
// unit's newest output lines and usherd's own messages about it, with
// wall-clock timestamps, in a ring bounded by lines and bytes per unit.
// Lines are kept raw and escaped when read. Followers (`logs -f`) are told
// of each new line through `onAppend`.
import Activation
import ControlProtocol
import FoundationEssentials
import UnitModel
import UsherSys

final class UnitJournal {
    struct Entry: Codable {
        var unit: String
        var timestamp: UInt64
        var source: LogLine.Source
        var priority: Int
        var bytes: [UInt8]

        private enum CodingKeys: String, CodingKey { case unit, timestamp, source, priority, bytes }

        init(unit: String, timestamp: UInt64, source: LogLine.Source, priority: Int, bytes: [UInt8]) {
            self.unit = unit
            self.timestamp = timestamp
            self.source = source
            self.priority = priority
            self.bytes = bytes
        }

        // The bytes as base64 (Data), not a JSON array of numbers: a re-exec saves every ring.
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            unit = try container.decode(String.self, forKey: .unit)
            timestamp = try container.decode(UInt64.self, forKey: .timestamp)
            source = try container.decode(LogLine.Source.self, forKey: .source)
            priority = try container.decode(Int.self, forKey: .priority)
            bytes = Array(try container.decode(Data.self, forKey: .bytes))
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(unit, forKey: .unit)
            try container.encode(timestamp, forKey: .timestamp)
            try container.encode(source, forKey: .source)
            try container.encode(priority, forKey: .priority)
            try container.encode(Data(bytes), forKey: .bytes)
        }
    }

    struct Ring: Codable {
        var entries: [Entry] = []
        var first = 0
        var bytes = 0
        var count: Int { entries.count - first }
    }

    static let linesPerUnit = 200
    static let bytesPerUnit = 256 << 10
    private var rings: [String: Ring] = [:]
    /// Called with every line appended and its ring's key (the daemon forwards it to followers).
    var onAppend: ((String, () -> LogLine) -> Void)?

    /// Every ring as it is, for re-exec (ReexecState), and back.
    var saved: [String: Ring] {
        get { rings }
        set { rings = newValue }
    }

    /// Appends a line about `unit` to the ring `key` (the unit itself, or an instance's template).
    func append(key: String, unit: String, source: LogLine.Source, priority: Int, bytes: [UInt8], at timestamp: UInt64) {
        var ring = rings.removeValue(forKey: key) ?? Ring()
        ring.entries.append(Entry(unit: unit, timestamp: timestamp, source: source, priority: priority, bytes: bytes))
        ring.bytes += bytes.count
        while ring.count > UnitJournal.linesPerUnit || (ring.bytes > UnitJournal.bytesPerUnit && ring.count > 1) {
            ring.bytes -= ring.entries[ring.first].bytes.count
            ring.first += 1
        }
        if ring.first > UnitJournal.linesPerUnit {
            ring.entries.removeFirst(ring.first)
            ring.first = 0
        }
        rings[key] = ring
        // The escaped line is built only if a follower takes it (every captured line passes here).
        if let onAppend, let newest = ring.entries.last { onAppend(key) { self.line(newest) } }
    }

    /// The newest `limit` lines of ring `key`, oldest first.
    func lines(of key: String, limit: Int) -> [LogLine] {
        guard let ring = rings[key], limit > 0 else { return [] }
        let start = max(ring.first, ring.entries.count - limit)
        return ring.entries[start...].map(line)
    }

    private func line(_ entry: Entry) -> LogLine {
        LogLine(timestamp: entry.timestamp, unit: entry.unit, source: entry.source, priority: entry.priority,
                text: LogEscaping.escape(bytes: entry.bytes))
    }
}

extension NoteLevel {
    /// The syslog priority of the level (LOG_DEBUG 7 … LOG_ERR 3).
    var syslogPriority: Int {
        switch self {
        case .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        }
    }
}
