// `--json` output shared by the read verbs: diagnostics as objects
// (severity, unit, file, line, message, text) and show properties as an
// object whose repeated keys (Listen, ExecStart, …) become arrays. Encoded
// with FoundationEssentials' JSONEncoder (usherctl does not link Foundation).

import FoundationEssentials
import Glibc
import UnitFile

/// A JSON value built from the unit files' strings, for JSONEncoder.
enum JSONValue: Encodable, Equatable {
    case string(String)
    case int(Int)
    case array([JSONValue])
    case object([String: JSONValue])

    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let text): try container.encode(text)
        case .int(let number): try container.encode(number)
        case .array(let values): try container.encode(values)
        case .object(let fields): try container.encode(fields)
        }
    }
}

enum JSONOutput {
    static func diagnostic(_ d: Diagnostic) -> JSONValue {
        var object: [String: JSONValue] = ["severity": .string(d.severity.rawValue), "unit": .string(d.unit),
                                           "message": .string(d.message), "text": .string(d.text)]
        if let file = d.file { object["file"] = .string(file) }
        if let line = d.line { object["line"] = .int(line) }
        return .object(object)
    }

    /// `Key=value` lines → object; a key seen twice becomes an array of its values in order.
    static func properties(_ lines: [String]) -> JSONValue {
        var object: [String: JSONValue] = [:]
        for line in lines {
            guard let eq = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<eq]), value = JSONValue.string(String(line[line.index(after: eq)...]))
            switch object[key] {
            case nil: object[key] = value
            case .array(let list)?: object[key] = .array(list + [value])
            case let single?: object[key] = .array([single, value])
            }
        }
        return .object(object)
    }

    static func print<Value: Encodable>(_ value: Value) throws {
        try emit(value, [.prettyPrinted, .sortedKeys])
    }
}

extension JSONOutput {
    /// A ControlProtocol value as pretty JSON with sorted keys (systemd's property names).
    static func printEncoded<Value: Encodable>(_ value: Value) throws {
        try emit(value, [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    /// One compact object on one line, for streams (`logs --json`).
    static func printLine<Value: Encodable>(_ value: Value) throws {
        try emit(value, [.sortedKeys, .withoutEscapingSlashes])
    }

    /// `value` encoded with `formatting`, printed on stdout with a newline.
    private static func emit<Value: Encodable>(_ value: Value, _ formatting: JSONEncoder.OutputFormatting) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = formatting
        Swift.print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}
