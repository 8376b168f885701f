// Turning a control client's bytes into a ControlRequest: the frame grows
// chunk by chunk (a length prefix, then exactly that many bytes), a prefix
// over ControlProtocol.maxRequestBytes is refused before any of its body is
// read, and the body is decoded only after its version has been checked.
// Pure: no fds, no loop.
import ControlProtocol

struct RequestFrame {
    enum Progress: Equatable {
        case needMore
        case complete(ArraySlice<UInt8>)
        case refused(ControlError)
    }

    private(set) var bytes: [UInt8] = []

    /// How many bytes to read next: the rest of the prefix, then the rest of the body.
    var wanted: Int {
        guard let length = ControlProtocol.announcedLength(bytes[...]) else { return 4 - bytes.count }
        return max(0, 4 + min(length, ControlProtocol.maxRequestBytes) - bytes.count)
    }

    mutating func append(_ chunk: [UInt8]) -> Progress {
        bytes += chunk.prefix(wanted)
        guard let length = ControlProtocol.announcedLength(bytes[...]) else { return .needMore }
        guard length <= ControlProtocol.maxRequestBytes else {
            return .refused(ControlError(.badRequest, "Bad request: a request of \(length) bytes is over the limit of \(ControlProtocol.maxRequestBytes) bytes"))
        }
        guard length > 0 else { return .refused(ControlError(.badRequest, "Bad request: an empty request")) }
        guard bytes.count == 4 + length else { return .needMore }
        return .complete(bytes[4...])
    }
}

enum RequestDecoding {
    /// Just the version, read first: another version's request may not decode as this one's.
    private struct VersionProbe: Decodable {
        var version: Int
    }

    static func decode(_ body: ArraySlice<UInt8>) -> Result<ControlRequest, ControlError> {
        guard let probe = try? ControlProtocol.decode(VersionProbe.self, from: body) else {
            return .failure(ControlError(.badRequest, "Bad request: not a JSON object with a numeric \"version\""))
        }
        guard probe.version == ControlProtocol.version else {
            return .failure(ControlError(.badRequest, "Bad request: protocol version \(probe.version) is not supported; this usherd speaks version \(ControlProtocol.version)"))
        }
        do {
            return .success(try ControlProtocol.decode(ControlRequest.self, from: body))
        } catch let error as DecodingError {
            return .failure(ControlError(.badRequest, "Bad request: \(explain(error))"))
        } catch {
            return .failure(ControlError(.badRequest, "Bad request: \(error)"))
        }
    }

    /// One short phrase per DecodingError, naming the field.
    private static func explain(_ error: DecodingError) -> String {
        if case .keyNotFound(let key, _) = error { return "the field \"\(key.stringValue)\" is missing" }
        if case .typeMismatch(_, let context) = error { return "the field \"\(path(context))\" has the wrong type" }
        if case .valueNotFound(_, let context) = error { return "the field \"\(path(context))\" is null" }
        if case .dataCorrupted(let context) = error, path(context) == "verb" {
            let verbs = ControlVerb.allCases.map(\.rawValue).joined(separator: ", ")
            return "unknown verb; this usherd knows \(verbs)"
        }
        if case .dataCorrupted(let context) = error { return "the field \"\(path(context))\" has an invalid value" }
        return "not a valid request"
    }

    private static func path(_ context: DecodingError.Context) -> String {
        context.codingPath.map(\.stringValue).joined(separator: ".")
    }
}
