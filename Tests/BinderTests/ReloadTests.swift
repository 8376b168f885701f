// Reload support: matches() keeps an fd whose listener and bind-time options
// are unchanged, bind(keeping:) reuses it (same open file, clients never
// refused) and re-applies in-place options; anything else gets a fresh fd.
import XCTest
import Binder
import UnitModel
import UsherSys

final class ReloadTests: XCTestCase {
    func testUnchangedListenerIsKeptAndClientsConnectThroughTheReload() throws {
        let first = try bindOrFail(socketUnit("web.socket", [stream(.ipv4(address: "127.0.0.1", port: 0))]))
        let old = try XCTUnwrap(first.listeners.first)
        let port = try XCTUnwrap(old.address?.port)
        let client = try connectClient(try XCTUnwrap(SocketAddress.ipv4("127.0.0.1", port: port)))
        var reloaded = socketUnit("web.socket", [stream(.ipv4(address: "127.0.0.1", port: 0))])
        reloaded.options.keepAlive = true
        reloaded.options.backlog = 8
        let second = try XCTUnwrap(try? Binder.bind(reloaded, keeping: first.listeners).get())
        Binder.release(first, sparing: second)
        let kept = try XCTUnwrap(second.listeners.first)
        XCTAssertTrue(kept.fd === old.fd)
        XCTAssertEqual(try option(kept, .keepAlive), 1)
        XCTAssertEqual(try Socket.tcpListenBacklog(kept.fd.raw), 8)
        // The connection queued before the reload is still there to accept.
        _ = try acceptPending(kept)
        _ = client
        Binder.release(second)
        XCTAssertFalse(kept.fd.isOpen)
    }

    func testMatchesRequiresSameAddressAndBindTimeOptions() throws {
        let bound = try bindOrFail(socketUnit("web.socket", [stream(.ipv4(address: "127.0.0.1", port: 0))]))
        let listener = try XCTUnwrap(bound.listeners.first)
        let spec = listener.spec
        var options = SocketOptions()
        XCTAssertTrue(Binder.matches(listener, spec, options))
        XCTAssertFalse(Binder.matches(listener, stream(.ipv4(address: "127.0.0.2", port: 0)), options))
        XCTAssertFalse(Binder.matches(listener, datagram(.ipv4(address: "127.0.0.1", port: 0)), options))
        options.reusePort = true
        XCTAssertFalse(Binder.matches(listener, spec, options), "SO_REUSEPORT is set before bind")
        options = SocketOptions()
        options.noDelay = true
        XCTAssertTrue(Binder.matches(listener, spec, options), "TCP_NODELAY can be turned on in place")
    }

    func testInPlaceOptionCannotBeTurnedBackOff() throws {
        let unit = socketUnit("web.socket", [stream(.ipv4(address: "127.0.0.1", port: 0))]) { $0.receiveBuffer = 65_536 }
        let listener = try XCTUnwrap(try bindOrFail(unit).listeners.first)
        XCTAssertFalse(Binder.matches(listener, listener.spec, SocketOptions()))
    }

    func testChangedListenerGetsAFreshFDAndTheOldOneCanBeReleased() throws {
        let dir = try temporaryDirectory(self)
        let first = try XCTUnwrap(try? Binder.bind(socketUnit("u.socket", [stream(.unixPath(dir + "/a.sock"), dir + "/a.sock")])).get())
        let second = try XCTUnwrap(try? Binder.bind(socketUnit("u.socket", [stream(.unixPath(dir + "/b.sock"), dir + "/b.sock")]),
                                                    keeping: first.listeners).get())
        XCTAssertFalse(try XCTUnwrap(second.listeners.first).fd === first.listeners[0].fd)
        Binder.release(first, sparing: second)
        XCTAssertFalse(first.listeners[0].fd.isOpen)
        Binder.release(second)
    }

    func testOptionOrderIsSystemdsWithFatalMarks() {
        let order = OptionPlan.order.map { "\($0.call)\($0.fatal ? "!" : "")" }
        XCTAssertEqual(order, [
            "IPV6_V6ONLY!", "SO_BINDTODEVICE!", "SO_REUSEPORT", "IP_FREEBIND/IPV6_FREEBIND",
            "IP_TRANSPARENT/IPV6_TRANSPARENT", "SO_REUSEADDR!", "bind!", "listen!",
            "SO_KEEPALIVE", "TCP_KEEPIDLE", "TCP_KEEPINTVL", "TCP_KEEPCNT", "TCP_DEFER_ACCEPT", "TCP_NODELAY",
            "SO_BROADCAST", "SO_PASSCRED", "SO_PASSSEC", "IP_PKTINFO/IPV6_RECVPKTINFO", "SO_TIMESTAMP/SO_TIMESTAMPNS",
            "SO_PRIORITY", "SO_RCVBUF/SO_RCVBUFFORCE", "SO_SNDBUF/SO_SNDBUFFORCE", "SO_MARK", "IP_TOS",
            "IP_TTL/IPV6_UNICAST_HOPS", "TCP_CONGESTION",
        ])
    }
}
