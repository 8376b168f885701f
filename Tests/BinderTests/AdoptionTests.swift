// Binder.adoptable: an inherited fd is offered to a unit only when it is a
// socket of the type and bound address a Listen line asks for; bind(keeping:)
// then uses that very fd, made blocking.
import XCTest
import Binder
import UnitModel
import UsherSys

final class AdoptionTests: XCTestCase {
    /// A socket bound to 127.0.0.1 on a kernel-chosen port, listening when a stream; its port.
    private func inherited(_ kind: SocketKind) throws -> (OwnedFD, UInt16) {
        let fd = try Socket.open(family: AF_INET, kind: kind, nonBlocking: true, object: "inherited")
        try Socket.bind(fd, to: try XCTUnwrap(SocketAddress.ipv4("127.0.0.1", port: 0)))
        if kind == .stream { try Socket.listen(fd, backlog: 4, object: "inherited") }
        return (fd, try XCTUnwrap(try Socket.localAddress(fd.raw).port))
    }

    func testAStreamOnTheSameAddressIsAdoptedBlockingAndKeptByBind() throws {
        let (fd, port) = try inherited(.stream)
        let unit = socketUnit("web.socket", [stream(.ipv4(address: "127.0.0.1", port: port))])
        let offered = Binder.adoptable([fd], for: unit)
        XCTAssertEqual(offered.count, 1)
        let bound = try XCTUnwrap(try? Binder.bind(unit, keeping: offered).get())
        XCTAssertTrue(bound.listeners.first?.fd === fd)
        XCTAssertEqual(fcntl(fd.raw, F_GETFL) & O_NONBLOCK, 0)
    }

    func testADifferentPortOrTypeIsNotOffered() throws {
        let (fd, port) = try inherited(.stream)
        let (datagramFD, datagramPort) = try inherited(.datagram)
        let otherPort = socketUnit("web.socket", [stream(.ipv4(address: "127.0.0.1", port: port &+ 1))])
        XCTAssertTrue(Binder.adoptable([fd, datagramFD], for: otherPort).isEmpty)
        let streamOnDatagramPort = socketUnit("web.socket", [stream(.ipv4(address: "127.0.0.1", port: datagramPort))])
        XCTAssertTrue(Binder.adoptable([datagramFD], for: streamOnDatagramPort).isEmpty)
        let datagramUnit = socketUnit("dns.socket", [datagram(.ipv4(address: "127.0.0.1", port: datagramPort))])
        XCTAssertTrue(Binder.adoptable([fd, datagramFD], for: datagramUnit).first?.fd === datagramFD)
    }
}
