// The control socket end to end, against a real usherd: a framed status
// request gets a well-formed response; authorization by the kernel's
// credentials (clients run as other uids with setpriv); where the socket is
// (--control-socket), what it replaces, and that usherd removes only its own node.
import Foundation
import XCTest
import ControlProtocol
import UsherSys

final class ControlSocketIntegrationTests: XCTestCase {
    private let nobody = ["--reuid=65534", "--regid=65534", "--clear-groups"]

    func testStatusRequestGetsAVersionOneResponseWithoutError() throws {
        let harness = try UsherdHarness()
        try harness.start()
        let response = try harness.control(ControlRequest(verb: .status))
        XCTAssertEqual(response.version, ControlProtocol.version)
        XCTAssertNil(response.error)
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testControlSocketIsOpenToEveryUserAndRemovedAtExit() throws {
        let harness = try UsherdHarness()
        try harness.start()
        let status = try FileNodes.status(harness.controlPath)
        XCTAssertEqual(status.kind, .socket)
        XCTAssertEqual(status.mode, 0o666)
        XCTAssertEqual(try harness.stop(), 0)
        XCTAssertFalse(FileNodes.exists(harness.controlPath), "the control socket outlived usherd")
    }

    func testControlSocketNodeThatIsNoLongerUsherdsIsLeftAtExit() throws {
        let harness = try UsherdHarness()
        try harness.start()
        try FileManager.default.removeItem(atPath: harness.controlPath)
        try "someone else's".write(toFile: harness.controlPath, atomically: false, encoding: .utf8)
        XCTAssertEqual(try harness.stop(), 0)
        XCTAssertEqual(try String(contentsOfFile: harness.controlPath, encoding: .utf8), "someone else's")
    }

    func testControlSocketFlagMovesTheSocket() throws {
        let harness = try UsherdHarness()
        let path = harness.root + "/ctl.sock"
        try harness.start(extraArguments: ["--control-socket", path])
        XCTAssertNil(try harness.control(ControlRequest(verb: .status), at: path).error)
        XCTAssertFalse(FileNodes.exists(harness.controlPath), "usherd also bound the default path")
        XCTAssertEqual(try harness.stop(), 0)
        XCTAssertFalse(FileNodes.exists(path), "the control socket outlived usherd")
    }

    func testStaleSocketAtTheControlPathIsReplaced() throws {
        let harness = try UsherdHarness()
        let path = harness.root + "/ctl.sock"
        do {
            let stale = try Socket.open(family: AF_UNIX, kind: .stream, object: "stale")
            try Socket.bind(stale, to: try SocketAddress.unixPath(path))
        }
        try harness.start(extraArguments: ["--control-socket", path])
        XCTAssertNil(try harness.control(ControlRequest(verb: .status), at: path).error)
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testFileAtTheControlPathIsNotReplacedAndUsherdStillServes() throws {
        let harness = try UsherdHarness()
        let path = harness.root + "/ctl.sock"
        try "not a socket".write(toFile: path, atomically: false, encoding: .utf8)
        try harness.start(extraArguments: ["--control-socket", path])
        try harness.waitForLog("Cannot open the control socket")
        XCTAssertTrue(harness.log.contains("\(path) exists and is a regular file, not a socket; refusing to replace it"), harness.log)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "not a socket")
        XCTAssertEqual(try harness.stop(), 0)
        XCTAssertTrue(FileNodes.exists(path), "usherd removed a file that was not its own")
    }

    func testLiveSocketAtTheControlPathIsNotTakenOver() throws {
        let harness = try UsherdHarness()
        let path = harness.root + "/ctl.sock"
        let live = try Socket.open(family: AF_UNIX, kind: .stream, object: "live")
        try Socket.bind(live, to: try SocketAddress.unixPath(path))
        try Socket.listen(live, backlog: 4, object: path)
        try harness.start(extraArguments: ["--control-socket", path])
        try harness.waitForLog("is a socket another process listens on; refusing to replace it")
        XCTAssertEqual(connectErrno(try SocketAddress.unixPath(path)), 0, "the other listener lost its node")
        XCTAssertEqual(try harness.stop(), 0)
        XCTAssertTrue(FileNodes.exists(path), "usherd removed a socket that was not its own")
    }

    // MARK: authorization

    func testUnprivilegedUserCanReadButNotStop() throws {
        try requireRootAndPython()
        let harness = try UsherdHarness()
        try harness.start()
        let read = try harness.controlAs(nobody, ControlRequest(verb: .status))
        XCTAssertNil(read.error, "status as uid 65534")
        let stop = try harness.controlAs(nobody, ControlRequest(verb: .stop, units: ["web.socket"]))
        XCTAssertEqual(stop.error?.kind, .accessDenied)
        XCTAssertEqual(stop.error?.message,
                       "Access denied: 'stop' needs root or group usher (which does not exist); uid 65534 is neither")
        XCTAssertNil(try harness.control(ControlRequest(verb: .status)).error, "usherd after the refusal")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testEveryMutatingVerbIsRefusedToAnUnprivilegedUser() throws {
        try requireRootAndPython()
        let harness = try UsherdHarness()
        try harness.start()
        for verb in ControlVerb.allCases where verb.isMutating {
            let response = try harness.controlAs(nobody, ControlRequest(verb: verb, units: ["web.socket"]))
            XCTAssertEqual(response.error?.kind, .accessDenied, verb.rawValue)
            XCTAssertTrue(response.error?.message.contains("'\(verb.rawValue)'") == true, verb.rawValue)
        }
        XCTAssertEqual(try harness.stop(), 0)
    }

    /// The answer to `stop web.socket` from a client run with `credentials` by a usherd with --admin-group 4242.
    private func stopAnswer(as credentials: [String]) throws -> ControlResponse {
        try requireRootAndPython()
        let harness = try UsherdHarness()
        try harness.start(extraArguments: ["--admin-group", "4242"])
        let response = try harness.controlAs(credentials, ControlRequest(verb: .stop, units: ["web.socket"]))
        XCTAssertEqual(try harness.stop(), 0)
        return response
    }

    func testAdminGroupAsSupplementaryGroupIsAllowedPastAuthorization() throws {
        let response = try stopAnswer(as: ["--reuid=65534", "--regid=65534", "--groups=4242"])
        XCTAssertNotEqual(response.error?.kind, .accessDenied, response.error?.message ?? "")
    }

    func testAdminGroupAsPrimaryGroupIsAllowedPastAuthorization() throws {
        let response = try stopAnswer(as: ["--reuid=65534", "--regid=4242", "--clear-groups"])
        XCTAssertNotEqual(response.error?.kind, .accessDenied, response.error?.message ?? "")
    }

    func testOtherGroupsAreRefusedNamingTheAdminGroup() throws {
        let response = try stopAnswer(as: ["--reuid=65534", "--regid=65534", "--groups=4243"])
        XCTAssertEqual(response.error?.message, "Access denied: 'stop' needs root or group 4242; uid 65534 is neither")
    }
}
