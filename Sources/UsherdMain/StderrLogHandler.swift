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
        let level = event.level
        let message = event.message
        var merged = metadata
        event.metadata?.forEach { merged[$0.key] = $0.value }
        // The one place every message passes: unit names, paths and service
        // output all come from outside, so no control byte reaches the terminal.
        let unit = merged.removeValue(forKey: "unit").map { LogEscaping.escape("\($0)") }
        let safeMessage = LogEscaping.escape("\(message)")
        let text = json ? jsonLine(level: level, message: safeMessage, unit: unit, metadata: merged)
            : textLine(level: level, message: safeMessage, unit: unit)
        try? BlockingIO.writeAll(2, Array((text + "\n").utf8))
    }

    private func textLine(level: Logger.Level, message: String, unit: String?) -> String {
        "usherd[\(StderrLogHandler.pid)]: <\(level)> \(LogLine.text(message: message, unit: unit))"
    }

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
