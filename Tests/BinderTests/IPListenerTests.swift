// IP listeners on loopback: address forms, dual-stack vs IPv6-only, the
// options of conformance cases e/g/h read back from the kernel, and the
// accept helper's systemd-style instance strings and REMOTE_* values.
import XCTest
@testable import Binder
import UnitModel
import UsherSys

final class IPListenerTests: XCTestCase {
    func testIPv4StreamListenerHasReuseAddrBacklogClampedAndIsBlockingCloexec() throws {
        let bound = try bindOrFail(socketUnit("web.socket", [stream(.ipv4(address: "127.0.0.1", port: 0))]))
        let listener = try XCTUnwrap(bound.listeners.first)
        XCTAssertEqual(try option(listener, .reuseAddress), 1)
        XCTAssertEqual(try option(listener, .acceptConnections), 1)
        XCTAssertEqual(try Socket.tcpListenBacklog(listener.fd.raw), try somaxconn())
        XCTAssertTrue(listener.fd.isCloseOnExec)
        XCTAssertFalse(listener.fd.isNonBlocking)
        XCTAssertTrue(listener.localDescription.hasPrefix("127.0.0.1:"))
        XCTAssertNotEqual(listener.address?.port, 0)
        XCTAssertEqual(bound.warnings, [])
    }

    /// Conformance case e: KeepAlive*, NoDelay, ReceiveBuffer (read back doubled), Backlog, ReusePort.
    func testConformanceCaseESocketOptionsReadBackAsSystemdSetThem() throws {
        let unit = socketUnit("opts.socket", [stream(.ipv4(address: "127.0.0.1", port: 0))]) {
            $0.keepAlive = true
            $0.keepAliveTime = .seconds(30)
            $0.keepAliveInterval = .seconds(5)
            $0.keepAliveProbes = 3
            $0.noDelay = true
            $0.receiveBuffer = 262_144
            $0.backlog = 17
            $0.reusePort = true
        }
        let listener = try XCTUnwrap(try bindOrFail(unit).listeners.first)
        XCTAssertEqual(try option(listener, .keepAlive), 1)
        XCTAssertEqual(try option(listener, .tcpKeepIdle), 30)
        XCTAssertEqual(try option(listener, .tcpKeepInterval), 5)
        XCTAssertEqual(try option(listener, .tcpKeepCount), 3)
        XCTAssertEqual(try option(listener, .tcpNoDelay), 1)
        XCTAssertEqual(try option(listener, .receiveBuffer), 524_288)
        XCTAssertEqual(try option(listener, .reusePort), 1)
        XCTAssertEqual(try option(listener, .reuseAddress), 1)
        XCTAssertEqual(try Socket.tcpListenBacklog(listener.fd.raw), 17)
    }

    func testDeferAcceptFiveSecondsReadsBackSevenAndTOSLowDelayIsSixteen() throws {
        let unit = socketUnit("defer.socket", [stream(.ipv4(address: "127.0.0.1", port: 0))]) {
            $0.deferAccept = .seconds(5)
            $0.ipTOS = 16
            $0.ipTTL = 33
            $0.mark = 7
            $0.priority = 5
            $0.sendBuffer = 65_536
            $0.freeBind = true
            $0.transparent = true
        }
        let listener = try XCTUnwrap(try bindOrFail(unit).listeners.first)
        XCTAssertEqual(try option(listener, .tcpDeferAccept), 7)
        XCTAssertEqual(try option(listener, .ipTOS), 16)
        XCTAssertEqual(try option(listener, .ipTTL), 33)
        XCTAssertEqual(try option(listener, .mark), 7)
        // IP_TOS comes after SO_PRIORITY in systemd's order and the kernel maps
        // TOS low-delay to priority 6 (TC_PRIO_INTERACTIVE), overriding Priority=5.
        XCTAssertEqual(try option(listener, .priority), 6)
        XCTAssertEqual(try option(listener, .sendBuffer), 131_072)
        XCTAssertEqual(try option(listener, .ipFreeBind), 1)
        XCTAssertEqual(try option(listener, .ipTransparent), 1)
    }

    func testPriorityAloneReadsBackAsSet() throws {
        let unit = socketUnit("prio.socket", [stream(.ipv4(address: "127.0.0.1", port: 0))]) { $0.priority = 5 }
        XCTAssertEqual(try option(try XCTUnwrap(try bindOrFail(unit).listeners.first), .priority), 5)
    }

    /// Conformance case g: a bare port binds [::]:PORT dual-stack; IPv4 clients arrive IPv4-mapped.
    func testBarePortBindsDualStackAndIPv4ClientsArriveMapped() throws {
        try XCTSkipUnless(AddressLookup.ipv6Supported, "kernel without IPv6")
        let listener = try XCTUnwrap(try bindOrFail(socketUnit("v6default.socket", [stream(.anyPort(0))])).listeners.first)
        let address = try XCTUnwrap(listener.address)
        XCTAssertEqual(address.family, AddressFamily.inet6)
        XCTAssertEqual(address.description, "[::]:\(address.port ?? 0)")
        XCTAssertEqual(try option(listener, .ipv6Only), 0)
        let client = try connectClient(try XCTUnwrap(SocketAddress.ipv4("127.0.0.1", port: address.port ?? 0)))
        let connection = try acceptPending(listener)
        XCTAssertEqual(connection.peer.hostText(), "::ffff:127.0.0.1")
        let clientPort = try XCTUnwrap(try Socket.localAddress(client.raw).port)
        XCTAssertEqual(connection.remoteAddressAndPort?.address, "127.0.0.1")
        XCTAssertEqual(connection.remoteAddressAndPort?.port, String(clientPort))
        XCTAssertEqual(connection.instanceName(number: 4), "4-127.0.0.1:\(address.port ?? 0)-127.0.0.1:\(clientPort)")
    }

    func testBarePortFallsBackToIPv4WildcardWithoutIPv6() {
        XCTAssertEqual(ListenerFactory.wildcard(port: 8088, ipv6Supported: false).description, "0.0.0.0:8088")
        XCTAssertEqual(ListenerFactory.wildcard(port: 8088, ipv6Supported: true).description, "[::]:8088")
    }

    func testBindIPv6OnlySetsV6OnlyAndRefusesIPv4Clients() throws {
        try XCTSkipUnless(AddressLookup.ipv6Supported, "kernel without IPv6")
        let unit = socketUnit("v6only.socket", [stream(.anyPort(0))]) { $0.bindIPv6Only = .ipv6Only }
        let listener = try XCTUnwrap(try bindOrFail(unit).listeners.first)
        XCTAssertEqual(try option(listener, .ipv6Only), 1)
        let port = try XCTUnwrap(listener.address?.port)
        XCTAssertThrowsError(try connectClient(try XCTUnwrap(SocketAddress.ipv4("127.0.0.1", port: port)))) {
            XCTAssertEqual(($0 as? SystemError)?.errno, ECONNREFUSED)
        }
        _ = try connectClient(try XCTUnwrap(SocketAddress.ipv6("::1", port: port)))
    }

    func testBindIPv6BothSetsV6OnlyZeroExplicitly() throws {
        try XCTSkipUnless(AddressLookup.ipv6Supported, "kernel without IPv6")
        let unit = socketUnit("v6both.socket", [stream(.anyPort(0))]) { $0.bindIPv6Only = .both }
        XCTAssertEqual(try option(try XCTUnwrap(try bindOrFail(unit).listeners.first), .ipv6Only), 0)
    }

    func testIPv6IsBracketedInMessagesButNotInTheInstanceString() throws {
        try XCTSkipUnless(AddressLookup.ipv6Supported, "kernel without IPv6")
        let unit = socketUnit("foo.socket", [stream(.ipv6(address: "::1", port: 0, scope: nil), "[::1]:0")])
        let listener = try XCTUnwrap(try bindOrFail(unit).listeners.first)
        let port = try XCTUnwrap(listener.address?.port)
        XCTAssertEqual(listener.localDescription, "[::1]:\(port)", "log lines print IPv6 as [::1]:80")
        let client = try connectClient(try XCTUnwrap(SocketAddress.ipv6("::1", port: port)))
        let clientPort = try XCTUnwrap(try Socket.localAddress(client.raw).port)
        let connection = try acceptPending(listener)
        XCTAssertEqual(connection.instanceName(number: 1), "1-::1:\(port)-::1:\(clientPort)")
        XCTAssertEqual(connection.remoteAddressAndPort?.address, "::1")
        XCTAssertTrue(connection.fd.isCloseOnExec)
        XCTAssertFalse(connection.fd.isNonBlocking)
    }

    func testLinkLocalScopeByInterfaceNameResolvesToIndex() throws {
        try XCTSkipUnless(AddressLookup.ipv6Supported, "kernel without IPv6")
        let unit = socketUnit("scoped.socket", [stream(.ipv6(address: "::1", port: 0, scope: "lo"), "[::1%lo]:0")])
        let listener = try XCTUnwrap(try bindOrFail(unit).listeners.first)
        XCTAssertEqual(listener.address?.family, AddressFamily.inet6)
        let failure = try bindFailure(socketUnit("bad.socket", [stream(.ipv6(address: "fe80::1", port: 0, scope: "nosuch0"), "[fe80::1%nosuch0]:0")]))
        XCTAssertEqual(failure.description, "bad.socket: Failed to listen on [fe80::1%nosuch0]:0: No such network interface 'nosuch0'")
    }

    func testIPv4AcceptGivesSystemdInstanceAndRemoteValues() throws {
        let listener = try XCTUnwrap(try bindOrFail(socketUnit("foo.socket", [stream(.ipv4(address: "127.0.0.1", port: 0))])).listeners.first)
        let port = try XCTUnwrap(listener.address?.port)
        let client = try connectClient(try XCTUnwrap(SocketAddress.ipv4("127.0.0.1", port: port)))
        let clientPort = try XCTUnwrap(try Socket.localAddress(client.raw).port)
        _ = try Socket.waitReadable(listener.fd.raw, timeoutMilliseconds: 2_000)
        let connection = try XCTUnwrap(try Socket.accept(listener.fd.raw, nonBlocking: true))
        XCTAssertEqual(connection.instanceName(number: 0), "0-127.0.0.1:\(port)-127.0.0.1:\(clientPort)")
        XCTAssertEqual(connection.remoteAddressAndPort?.address, "127.0.0.1")
        XCTAssertEqual(connection.remoteAddressAndPort?.port, String(clientPort))
        XCTAssertTrue(connection.fd.isNonBlocking)
        XCTAssertNil(connection.credentials)
    }

    func testAcceptedConnectionsInheritKeepAliveNoDelayAndBuffers() throws {
        let unit = socketUnit("inherit.socket", [stream(.ipv4(address: "127.0.0.1", port: 0))]) {
            $0.keepAlive = true
            $0.keepAliveTime = .seconds(30)
            $0.noDelay = true
            $0.receiveBuffer = 262_144
        }
        let listener = try XCTUnwrap(try bindOrFail(unit).listeners.first)
        let client = try connectClient(try XCTUnwrap(listener.address))
        let connection = try acceptPending(listener)
        XCTAssertEqual(try SocketOptionName.keepAlive.get(connection.fd.raw), 1)
        XCTAssertEqual(try SocketOptionName.tcpKeepIdle.get(connection.fd.raw), 30)
        XCTAssertEqual(try SocketOptionName.tcpNoDelay.get(connection.fd.raw), 1)
        XCTAssertEqual(try SocketOptionName.receiveBuffer.get(connection.fd.raw), 524_288)
        _ = client
    }

    func testAcceptOnNonBlockingListenerWithNothingPendingReturnsNil() throws {
        let listener = try XCTUnwrap(try bindOrFail(socketUnit("idle.socket", [stream(.ipv4(address: "127.0.0.1", port: 0))])).listeners.first)
        let copy = try listener.fd.duplicate()
        try copy.setNonBlocking(true)
        XCTAssertNil(try Socket.accept(copy.raw))
        try copy.setNonBlocking(false)
    }

    /// Conformance case h.
    func testBindToDeviceLoSetsSoBindToDevice() throws {
        try XCTSkipUnless(Identity.isRoot, "SO_BINDTODEVICE needs CAP_NET_RAW; run as root")
        let unit = socketUnit("dev.socket", [stream(.ipv4(address: "127.0.0.1", port: 0))]) { $0.bindToDevice = "lo" }
        let listener = try XCTUnwrap(try bindOrFail(unit).listeners.first)
        XCTAssertEqual(try SocketOptionName.bindToDevice.getText(listener.fd.raw), "lo")
        _ = try connectClient(try XCTUnwrap(SocketAddress.ipv4("127.0.0.1", port: listener.address?.port ?? 0)))
    }

    func testUDPDatagramListenerIsNotListeningAndGetsReuseAddr() throws {
        let unit = socketUnit("dns.socket", [datagram(.ipv4(address: "127.0.0.1", port: 0))]) { $0.broadcast = true }
        let listener = try XCTUnwrap(try bindOrFail(unit).listeners.first)
        XCTAssertEqual(try option(listener, .acceptConnections), 0)
        XCTAssertEqual(try option(listener, .reuseAddress), 1)
        XCTAssertEqual(try option(listener, .broadcast), 1)
        XCTAssertEqual(try Socket.identity(listener.fd.raw).protocol, IPProtocolNumber.udp)
    }
}

func somaxconn() throws -> Int32 {
    let text = try String(contentsOfFile: "/proc/sys/net/core/somaxconn", encoding: .utf8)
    return try XCTUnwrap(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)))
}
