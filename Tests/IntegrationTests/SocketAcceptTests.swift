// The accept path's system-call layer on real loopback sockets: draining a
// non-blocking listener until "drained", the instance string and REMOTE_*
// formatted in one go (IPv4, IPv6, IPv4-mapped on a dual-stack listener),
// the per-source address bits, which listeners are every connection's local
// end, and an AF_UNIX connection's two ends.
import Glibc
import XCTest
import UsherSys

final class SocketAcceptTests: XCTestCase {
    private func listener(_ address: SocketAddress, dualStack: Bool = false) throws -> OwnedFD {
        let fd = try Socket.open(family: address.family, kind: .stream, nonBlocking: true, object: "listener")
        if dualStack { try SocketOptionName.ipv6Only.set(fd.raw, 0) }
        try Socket.bind(fd, to: address)
        try Socket.listen(fd, backlog: 16, object: "listener")
        return fd
    }

    private func acceptOne(_ fd: OwnedFD) throws -> AcceptedConnection {
        var outcome = Socket.acceptNext(fd.raw)
        try eventually("a connection to be pending", timeout: 5) {
            if case .connection = outcome { return true }
            outcome = Socket.acceptNext(fd.raw)
            return false
        }
        guard case .connection(let connection) = outcome else { throw HarnessError(description: "no connection") }
        return connection
    }

    func testDrainedListenerSaysSoInsteadOfBlocking() throws {
        let fd = try listener(try XCTUnwrap(SocketAddress.ipv4("127.0.0.1", port: 0)))
        guard case .drained = Socket.acceptNext(fd.raw) else { return XCTFail("expected drained") }
    }

    func testOnlyNonWildcardIPAndAFUnixListenersNameEveryAcceptedConnection() throws {
        let fixed = [SocketAddress.ipv4("127.0.0.1", port: 80), SocketAddress.ipv6("::1", port: 80),
                     try SocketAddress.unixPath("/run/x.sock")]
        let varying = [SocketAddress.ipv4("0.0.0.0", port: 80), SocketAddress.ipv6("::", port: 80),
                       SocketAddress.vsock(cid: 3, port: 80)]
        for address in try fixed.map({ try XCTUnwrap($0) }) {
            XCTAssertTrue(address.namesEveryAcceptedConnection, "\(address)")
        }
        for address in try varying.map({ try XCTUnwrap($0) }) {
            XCTAssertFalse(address.namesEveryAcceptedConnection, "\(address)")
        }
    }

    func testDescribeMatchesInstanceNameAndRemoteForIPv4AndIPv6() throws {
        for address in [SocketAddress.ipv4("127.0.0.1", port: 0), SocketAddress.ipv6("::1", port: 0)] {
            let fd = try listener(try XCTUnwrap(address))
            let bound = try Socket.localAddress(fd.raw)
            let client = try AcceptClient.connect(bound)
            let connection = try acceptOne(fd)
            let described = connection.describe(number: 7, localText: nil)
            XCTAssertEqual(described.instance, connection.instanceName(number: 7))
            XCTAssertEqual(described.remote?.port, String(client.port))
            XCTAssertEqual(described.remote?.address, connection.remoteAddressAndPort?.address)
            let cached = connection.describe(number: 7, localText: bound.instanceText())
            XCTAssertEqual(cached.instance, described.instance)
        }
    }

    func testIPv4ClientOfDualStackListenerIsNamedAndCountedAsIPv4() throws {
        let fd = try listener(try XCTUnwrap(SocketAddress.ipv6("::", port: 0)), dualStack: true)
        let port = try XCTUnwrap(Socket.localAddress(fd.raw).port)
        let client = try AcceptClient.ipv4(port)
        let connection = try acceptOne(fd)
        let described = connection.describe(number: 0, localText: nil)
        XCTAssertEqual(described.instance, "0-127.0.0.1:\(port)-127.0.0.1:\(client.port)")
        XCTAssertEqual(described.instance, connection.instanceName(number: 0))
        XCTAssertEqual(described.remote?.address, "127.0.0.1")
        let bits = try XCTUnwrap(connection.peer.addressBits)
        XCTAssertEqual(bits.high, 0)
        XCTAssertEqual(bits.low, 0x0000_FFFF_7F00_0001, "IPv4-mapped form, as a plain IPv4 peer would count")
    }

    func testPeerAddressBitsAreIPv4MappedForIPv4AndTheFullAddressForIPv6() throws {
        let cases: [(SocketAddress?, (high: UInt64, low: UInt64))] = [
            (SocketAddress.ipv4("127.0.0.1", port: 0), (0, 0x0000_FFFF_7F00_0001)),
            (SocketAddress.ipv6("::1", port: 0), (0, 1)),
        ]
        for (address, expected) in cases {
            let fd = try listener(try XCTUnwrap(address))
            let client = try AcceptClient.connect(try Socket.localAddress(fd.raw))
            let bits = try withExtendedLifetime(client) { try XCTUnwrap(try acceptOne(fd).peer.addressBits) }
            XCTAssertEqual(bits.high, expected.high)
            XCTAssertEqual(bits.low, expected.low)
        }
    }

    func testUnnamedUnixPeerIsJustItsFamilyAndTheLocalEndIsTheListenersName() throws {
        let path = "/tmp/usher-accept-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        defer { unlink(path) }
        let names = [try SocketAddress.unixPath(path), try SocketAddress.abstract(String(path.dropFirst()))]
        for name in names {
            let fd = try listener(name)
            let listening = try Socket.localAddress(fd.raw)
            let client = try AcceptClient.connect(name)
            let connection = try withExtendedLifetime(client) { try acceptOne(fd) }
            XCTAssertEqual(connection.peer.family, AF_UNIX)
            XCTAssertEqual(connection.peer.length, socklen_t(MemoryLayout<sa_family_t>.size))
            XCTAssertEqual(connection.peer.unixText, "(unnamed)")
            XCTAssertEqual(SocketAddress(storage: connection.peer.storage, length: connection.peer.length), connection.peer)
            XCTAssertEqual(connection.local, listening, "what usherd passes as knownLocal for an AF_UNIX listener")
            XCTAssertNotNil(connection.credentials)
        }
    }
}
