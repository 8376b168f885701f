// usherd's log output on stderr: `usherd[PID]: <level> UNIT: message` lines,
// or one JSON object per line with --log-format=json. The unit comes from the
// "unit" metadata key, so every line says which unit it is about. Control
// characters in any message or value are escaped here (LogEscaping).
import Activation
import FoundationEssentials
import Logging
import UsherSys

struct StderrLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level
    let json: Bool
    var metadata: Logger.Metadata = [:]
    static let pid = Processes.currentPID
    private static let encoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    init(label: String, level: Logger.Level, json: Bool) {
        self.label = label
        self.logLevel = level
        self.json = json
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        // The one place every message passes: unit names, paths and service
        // output all come from outside, so no control byte reaches the terminal.
        let safeMessage = LogEscaping.escape(event.message.description)
        guard json else {
            return writeTextLine(level: event.level, message: safeMessage, unit: LogLine.unit(of: event, or: metadata))
        }
        var merged = metadata
        event.metadata?.forEach { merged[$0.key] = $0.value }
        let unit = merged.removeValue(forKey: "unit").map { LogEscaping.escape("\($0)") }
        var bytes = Array(jsonLine(level: event.level, message: safeMessage, unit: unit, metadata: merged).utf8)
        bytes.append(UInt8(ascii: "\n"))
        try? BlockingIO.writeAll(2, bytes)
    }

    /// `usherd[PID]: <level> UNIT: message`, appended as bytes into one buffer (10,000
    /// sockets log a line each at start-up; joining Strings cost 3,000 instructions a line).
    private func writeTextLine(level: Logger.Level, message: String, unit: String?) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(StderrLogHandler.linePrefix.count + 12 + (unit?.utf8.count ?? 0) + message.utf8.count)
        bytes += StderrLogHandler.linePrefix
        bytes += level.rawValue.utf8
        bytes += "> ".utf8
        LogLine.appendText(message: message, unit: unit, to: &bytes)
        bytes.append(UInt8(ascii: "\n"))
        try? BlockingIO.writeAll(2, bytes)
    }

    private static let linePrefix = Array("usherd[\(pid)]: <".utf8)

    private func jsonLine(level: Logger.Level, message: String, unit: String?, metadata: Logger.Metadata) -> String {
        var object: [String: String] = ["time": Date().formatted(.iso8601), "level": "\(level)",
                                        "message": message]
        if let unit { object["unit"] = unit }
        for (key, value) in metadata { object[key] = LogEscaping.escape("\(value)") }
        guard let data = try? StderrLogHandler.encoder.encode(object) else {
            return message
        }
        return String(decoding: data, as: UTF8.self)
    }
}
