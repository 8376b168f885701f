// The per-service fd store as a value: the cap refuses the excess, the same open
// file is not stored twice, FDSTOREREMOVE= drops every fd of a name, the order
// is the order of storing (LISTEN_FDNAMES follows it), and FDNAME= validity.
import Glibc
import XCTest
import UsherSys
@testable import UsherDaemon

final class ServiceFDStoreTests: XCTestCase {
    private var serial: UInt64 = 0

    private func entry(_ name: String, _ fd: OwnedFD) throws -> StoredFD {
        serial += 1
        return StoredFD(serial: serial, name: name, fd: fd, poll: true, identity: try FileIdentity.of(fd.raw))
    }

    private func sockets() throws -> (OwnedFD, OwnedFD) {
        (try Socket.open(family: AF_UNIX, kind: .stream, object: "a"), try Socket.open(family: AF_UNIX, kind: .stream, object: "b"))
    }

    func testTheCapRefusesTheExcessAndTheOrderIsKept() throws {
        var store = ServiceFDStore()
        let file = try OwnedFD.devNull(writable: false)
        let pipe = try sockets()
        XCTAssertEqual(store.add(try entry("a", pipe.0), max: 2), .added)
        XCTAssertEqual(store.add(try entry("b", pipe.1), max: 2), .added)
        XCTAssertEqual(store.add(try entry("c", file), max: 2), .full)
        XCTAssertEqual(store.names, ["a", "b"])
        XCTAssertEqual(store.fds, [pipe.0.raw, pipe.1.raw])
    }

    func testTheSameOpenFileIsStoredOnceAndRemoveDropsEveryFDOfAName() throws {
        var store = ServiceFDStore()
        let pair = try sockets()
        XCTAssertEqual(store.add(try entry("x", pair.0), max: 5), .added)
        XCTAssertEqual(store.add(try entry("x", try pair.0.duplicate()), max: 5), .duplicate)
        XCTAssertEqual(store.add(try entry("x", pair.1), max: 5), .added)
        XCTAssertEqual(store.remove(named: "x"), 2)
        XCTAssertEqual(store.count, 0)
        XCTAssertNil(store.remove(serial: 1))
    }

    func testFDNAMEValidityFollowsSystemd() {
        XCTAssertTrue(ServiceFDStore.isValidName("conn-1.sock"))
        XCTAssertFalse(ServiceFDStore.isValidName(""))
        XCTAssertFalse(ServiceFDStore.isValidName("a:b"))
        XCTAssertFalse(ServiceFDStore.isValidName("tab\there"))
        XCTAssertFalse(ServiceFDStore.isValidName(String(repeating: "n", count: 256)))
    }
}
