// The control server's pure request handling: how a frame grows from a
// client's bytes (prefix first, never more than the frame, an oversized
// prefix refused before its body) and how a body becomes a ControlRequest
// or a bad-request error that names the problem.
import XCTest
import ControlProtocol
@testable import UsherDaemon

final class ControlRequestReaderTests: XCTestCase {
    private func body(_ text: String) -> ArraySlice<UInt8> { Array(text.utf8)[...] }

    func testPrefixOverTheLimitIsRefusedBeforeAnyBody() {
        var frame = RequestFrame()
        XCTAssertEqual(frame.wanted, 4)
        let progress = frame.append([0x40, 0, 0, 0])
        XCTAssertEqual(progress, .refused(ControlError(.badRequest,
            "Bad request: a request of 1073741824 bytes is over the limit of 65536 bytes")))
    }

    func testPrefixAtTheLimitIsAccepted() {
        var frame = RequestFrame()
        XCTAssertEqual(frame.append([0, 1, 0, 0]), .needMore)
        XCTAssertEqual(frame.wanted, ControlProtocol.maxRequestBytes)
    }

    func testEmptyRequestIsRefused() {
        var frame = RequestFrame()
        XCTAssertEqual(frame.append([0, 0, 0, 0]), .refused(ControlError(.badRequest, "Bad request: an empty request")))
    }

    func testRequestSentByteByByteCompletesWithItsLastByte() throws {
        let bytes = try ControlProtocol.frame(ControlRequest(verb: .status, units: ["web.socket"]))
        var frame = RequestFrame()
        for byte in bytes.dropLast() {
            XCTAssertEqual(frame.append([byte]), .needMore)
        }
        XCTAssertEqual(frame.append([bytes[bytes.count - 1]]), .complete(bytes[4...]))
    }

    func testReaderNeverTakesBytesBeyondTheFrame() throws {
        let bytes = try ControlProtocol.frame(ControlRequest(verb: .status))
        var frame = RequestFrame()
        XCTAssertEqual(frame.append(Array(bytes.prefix(4))), .needMore)
        XCTAssertEqual(frame.wanted, bytes.count - 4)
        XCTAssertEqual(frame.append(Array(bytes[4...]) + [0x7b, 0x7d]), .complete(bytes[4...]))
        XCTAssertEqual(frame.bytes.count, bytes.count)
    }

    func testValidBodyDecodesToTheRequest() throws {
        let request = ControlRequest(verb: .kill, units: ["a.service"], signal: 9, killWhom: .main)
        let encoded = try ControlProtocol.frame(request)
        XCTAssertEqual(RequestDecoding.decode(encoded[4...]), .success(request))
    }

    func testOtherVersionIsRefusedNamingBothVersions() {
        XCTAssertEqual(RequestDecoding.decode(body(#"{"version":2,"verb":"dance","extra":[1]}"#)),
                       .failure(ControlError(.badRequest, "Bad request: protocol version 2 is not supported; this usherd speaks version 1")))
    }

    func testVersionThatIsNotANumberIsRefused() {
        XCTAssertEqual(RequestDecoding.decode(body(#"{"version":"1","verb":"status","units":[]}"#)),
                       .failure(ControlError(.badRequest, "Bad request: not a JSON object with a numeric \"version\"")))
    }

    func testMalformedJSONIsRefused() {
        XCTAssertEqual(RequestDecoding.decode(body("{\"version\": 1,")),
                       .failure(ControlError(.badRequest, "Bad request: not a JSON object with a numeric \"version\"")))
    }

    func testUnknownVerbIsRefusedListingTheKnownOnes() {
        let known = ControlVerb.allCases.map(\.rawValue).joined(separator: ", ")
        XCTAssertEqual(RequestDecoding.decode(body(#"{"version":1,"verb":"explode","units":[]}"#)),
                       .failure(ControlError(.badRequest, "Bad request: unknown verb; this usherd knows \(known)")))
    }

    func testMissingAndMistypedFieldsAreNamed() {
        XCTAssertEqual(RequestDecoding.decode(body(#"{"version":1,"verb":"status"}"#)),
                       .failure(ControlError(.badRequest, "Bad request: the field \"units\" is missing")))
        XCTAssertEqual(RequestDecoding.decode(body(#"{"version":1,"verb":"status","units":"web.socket"}"#)),
                       .failure(ControlError(.badRequest, "Bad request: the field \"units\" has the wrong type")))
        XCTAssertEqual(RequestDecoding.decode(body(#"{"version":1,"verb":"kill","units":[],"killWhom":"some"}"#)),
                       .failure(ControlError(.badRequest, "Bad request: the field \"killWhom\" has an invalid value")))
    }
}
