// `--json` output shared by the read verbs: diagnostics as objects
// (severity, unit, file, line, message, text) and show properties as an
// object whose repeated keys (Listen, ExecStart, …) become arrays.

import Foundation
import UnitFile

enum JSONOutput {
    static func diagnostic(_ d: Diagnostic) -> [String: Any] {
        var object: [String: Any] = ["severity": d.severity.rawValue, "unit": d.unit, "message": d.message, "text": d.text]
        if let file = d.file { object["file"] = file }
        if let line = d.line { object["line"] = line }
        return object
    }

    /// `Key=value` lines → object; a key seen twice becomes an array of its values in order.
    static func properties(_ lines: [String]) -> [String: Any] {
        var object: [String: Any] = [:]
        for line in lines {
            guard let eq = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<eq]), value = String(line[line.index(after: eq)...])
            switch object[key] {
            case nil: object[key] = value
            case let list as [String]: object[key] = list + [value]
            case let single as String: object[key] = [single, value]
            default: break
            }
        }
        return object
    }

    static func print(_ value: Any) throws {
        let data = try JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys])
        Swift.print(String(decoding: data, as: UTF8.self))
    }
}

extension JSONOutput {
    /// A ControlProtocol value as pretty JSON with sorted keys (systemd's property names).
    static func printEncoded<Value: Encodable>(_ value: Value) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        Swift.print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    /// One compact object on one line, for streams (`logs --json`).
    static func printLine<Value: Encodable>(_ value: Value) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        Swift.print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}
