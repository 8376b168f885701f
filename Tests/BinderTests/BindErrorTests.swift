// Error paths: each fails only its unit with "UNIT: Failed to listen on
// ADDRESS: reason", releases whatever that unit had bound so far, and leaves
// the process with exactly the fds it had before.
import XCTest
import Binder
import UnitModel
import UsherSys

final class BindErrorTests: XCTestCase {
    func testPortInUseFailsWithAddressAlreadyInUseAndLeaksNothing() throws {
        let holder = try bindOrFail(socketUnit("holder.socket", [stream(.ipv4(address: "127.0.0.1", port: 0))]))
        let port = try XCTUnwrap(holder.listeners.first?.address?.port)
        try assertNoFDLeak {
            let failure = try bindFailure(socketUnit("web.socket", [stream(.ipv4(address: "127.0.0.1", port: port), "127.0.0.1:\(port)")]))
            XCTAssertEqual(failure.description, "web.socket: Failed to listen on 127.0.0.1:\(port): Address already in use")
            XCTAssertEqual(failure.systemError?.call, "bind")
        }
    }

    func testFailureOfLaterListenerReleasesEarlierOnes() throws {
        let holder = try bindOrFail(socketUnit("holder.socket", [stream(.ipv4(address: "127.0.0.1", port: 0))]))
        let busy = try XCTUnwrap(holder.listeners.first?.address?.port)
        let path = try temporaryDirectory(self) + "/first.sock"
        try assertNoFDLeak {
            let unit = socketUnit("multi.socket", [
                stream(.unixPath(path), path),
                datagram(.ipv4(address: "127.0.0.1", port: 0)),
                stream(.ipv4(address: "127.0.0.1", port: busy), "127.0.0.1:\(busy)"),
            ])
            _ = try bindFailure(unit)
        }
        // The AF_UNIX listener bound first is closed: nobody accepts on its node.
        XCTAssertThrowsError(try connectClient(try SocketAddress.unixPath(path))) {
            XCTAssertEqual(($0 as? SystemError)?.errno, ECONNREFUSED)
        }
    }

    func testMissingDeviceFailsWithNoSuchDevice() throws {
        try assertNoFDLeak {
            let unit = socketUnit("dev.socket", [stream(.ipv4(address: "127.0.0.1", port: 0), "127.0.0.1:0")]) {
                $0.bindToDevice = "nosuchdev0"
            }
            XCTAssertEqual(try bindFailure(unit).description, "dev.socket: Failed to listen on 127.0.0.1:0: No such device")
        }
    }

    func testPathLongerThanSunPathIsRefusedNotTruncated() throws {
        let dir = try temporaryDirectory(self)
        let path = dir + "/" + String(repeating: "x", count: 120) + ".sock"
        try assertNoFDLeak {
            let failure = try bindFailure(socketUnit("long.socket", [stream(.unixPath(path), path)]))
            XCTAssertEqual(failure.description, "long.socket: Failed to listen on \(path): File name too long")
        }
        let entries = try FileManager.default.contentsOfDirectory(atPath: dir)
        XCTAssertEqual(entries, [], "nothing may be created under a truncated name")
    }

    func testPathOfExactlySunPathMinusOneBytesBinds() throws {
        let dir = try temporaryDirectory(self)
        let path = dir + "/" + String(repeating: "y", count: 107 - dir.utf8.count - 1)
        XCTAssertEqual(path.utf8.count, 107)
        _ = try bindOrFail(socketUnit("edge.socket", [stream(.unixPath(path), path)]))
        XCTAssertEqual(try FileNodes.status(path).kind, .socket)
    }

    func testDirectoryWithoutPermissionFailsWithPermissionDenied() throws {
        try XCTSkipUnless(Identity.isRoot, "needs root to switch the filesystem uid")
        let dir = try temporaryDirectory(self)
        try FileNodes.chmod(dir, mode: 0o700)
        let path = dir + "/sub/denied.sock"
        try assertNoFDLeak {
            let failure = try Identity.withFilesystemUser(65534) {
                try bindFailure(socketUnit("denied.socket", [stream(.unixPath(path), path)]))
            }
            XCTAssertEqual(failure.description, "denied.socket: Failed to listen on \(path): Permission denied")
        }
        XCTAssertFalse(FileNodes.exists(dir + "/sub"))
    }

    func testAddressNotAvailableFailsOnlyThatUnit() throws {
        try assertNoFDLeak {
            let unit = socketUnit("far.socket", [stream(.ipv4(address: "192.0.2.1", port: 0), "192.0.2.1:0")])
            XCTAssertEqual(try bindFailure(unit).description, "far.socket: Failed to listen on 192.0.2.1:0: Cannot assign requested address")
            let free = socketUnit("far.socket", [stream(.ipv4(address: "192.0.2.1", port: 0), "192.0.2.1:0")]) { $0.freeBind = true }
            let bound = try Binder.bind(free).get()
            XCTAssertEqual(try option(try XCTUnwrap(bound.listeners.first), .ipFreeBind), 1)
            Binder.release(bound)
        }
    }
}
