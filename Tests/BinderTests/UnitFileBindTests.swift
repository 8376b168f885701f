// From unit-file text to kernel state: the socket units of conformance cases
// a, e, f, g and h (addresses moved to free ports and temp dirs) are loaded
// with UnitFile's loader, bound, and read back through listen-check's report,
// which must show what real systemd 252 produced.
import XCTest
import Binder
import UnitFile
import UnitModel
import UsherSys

final class UnitFileBindTests: XCTestCase {
    private func load(_ name: String, _ text: String, in dir: String) throws -> SocketUnit {
        try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8)
        let service = String(name.dropLast(".socket".count)) + ".service"
        try "[Service]\nExecStart=/bin/true\n".write(toFile: dir + "/" + service, atomically: true, encoding: .utf8)
        let loader = UnitLoader(directories: [dir], specifiers: SpecifierContext(runtimeDirectory: dir))
        let (unit, diagnostics) = loader.loadSocket(UnitName(name))
        XCTAssertEqual(diagnostics.map(\.text), [])
        return try XCTUnwrap(unit)
    }

    private func check(_ unit: SocketUnit) throws -> ListenCheckReport {
        switch Binder.listenCheck(unit) {
        case .success(let report): return report
        case .failure(let failure):
            XCTFail("\(failure)")
            throw failure
        }
    }

    func testConformanceCaseEFromUnitFileText() throws {
        let dir = try temporaryDirectory(self)
        let port = try freePort()
        let unit = try load("opts.socket", """
            [Socket]
            ListenStream=127.0.0.1:\(port)
            KeepAlive=yes
            KeepAliveTimeSec=30
            KeepAliveIntervalSec=5
            KeepAliveProbes=3
            NoDelay=yes
            ReceiveBuffer=262144
            Backlog=17
            ReusePort=yes
            """, in: dir)
        let report = try check(unit)
        XCTAssertEqual(report.warnings, [])
        let listener = try XCTUnwrap(report.listeners.first)
        let expected: [String: String] = [
            "FD_CLOEXEC": "true", "O_NONBLOCK": "false", "SO_ACCEPTCONN": "1", "SO_KEEPALIVE": "1", "SO_REUSEADDR": "1",
            "SO_REUSEPORT": "1", "SO_RCVBUF": "524288", "TCP_KEEPCNT": "3", "TCP_KEEPIDLE": "30", "TCP_KEEPINTVL": "5",
            "TCP_NODELAY": "1", "listen_backlog(kernel)": "17", "sockname": "127.0.0.1:\(port)",
            "SO_PASSCRED": "error: Operation not supported", "IP_TTL": "64", "TCP_DEFER_ACCEPT": "0",
        ]
        for (name, value) in expected { XCTAssertEqual(listener.value(name), value, name) }
    }

    func testConformanceCaseFFromUnitFileText() throws {
        let dir = try temporaryDirectory(self)
        let unit = try load("perm.socket", """
            [Socket]
            ListenStream=%t/newdir/sub/perm.sock
            SocketMode=0600
            DirectoryMode=0750
            RemoveOnStop=yes
            """, in: dir)
        let report = try check(unit)
        XCTAssertEqual(report.listeners.first?.value("node"), "socket 0600 0:0 \(dir)/newdir/sub/perm.sock")
        XCTAssertEqual(report.listeners.first?.value("SO_REUSEADDR"), "1")
        XCTAssertEqual(try FileNodes.status(dir + "/newdir").mode, 0o750)
        XCTAssertEqual(try FileNodes.status(dir + "/newdir/sub").mode, 0o750)
        XCTAssertFalse(FileNodes.exists(dir + "/newdir/sub/perm.sock"), "RemoveOnStop=yes: gone after the check")
    }

    func testConformanceCaseGFromUnitFileText() throws {
        try XCTSkipUnless(AddressLookup.ipv6Supported, "kernel without IPv6")
        let dir = try temporaryDirectory(self)
        for (setting, v6only) in [("", "0"), ("BindIPv6Only=both", "0"), ("BindIPv6Only=ipv6-only", "1")] {
            let port = try freePort()
            let unit = try load("v6.socket", "[Socket]\nListenStream=\(port)\n\(setting)\n", in: dir)
            let listener = try XCTUnwrap(try check(unit).listeners.first)
            XCTAssertEqual(listener.value("family"), "AF_INET6", setting)
            XCTAssertEqual(listener.value("sockname"), "[::]:\(port)", setting)
            XCTAssertEqual(listener.value("IPV6_V6ONLY"), v6only, setting)
        }
    }

    func testConformanceCaseHFromUnitFileText() throws {
        try XCTSkipUnless(Identity.isRoot, "SO_BINDTODEVICE needs CAP_NET_RAW; run as root")
        let dir = try temporaryDirectory(self)
        let unit = try load("dev.socket", "[Socket]\nListenStream=127.0.0.1:\(try freePort())\nBindToDevice=lo\n", in: dir)
        XCTAssertEqual(try check(unit).listeners.first?.value("SO_BINDTODEVICE"), "lo")
    }

    func testConformanceCaseAThreeListenersAllReuseAddr() throws {
        let dir = try temporaryDirectory(self)
        let unit = try load("web.socket", """
            [Socket]
            ListenStream=127.0.0.1:\(try freePort())
            ListenStream=%t/web.sock
            ListenDatagram=127.0.0.1:\(try freePort())
            FileDescriptorName=web
            """, in: dir)
        let report = try check(unit)
        XCTAssertEqual(report.listeners.map { $0.value("family") }, ["AF_INET", "AF_UNIX", "AF_INET"])
        XCTAssertEqual(report.listeners.map { $0.value("SO_ACCEPTCONN") }, ["1", "1", "0"])
        XCTAssertEqual(report.listeners.map { $0.value("SO_REUSEADDR") }, ["1", "1", "1"])
        XCTAssertEqual(report.listeners[1].value("node"), "socket 0666 0:0 \(dir)/web.sock")
        XCTAssertTrue(FileNodes.exists(dir + "/web.sock"), "without RemoveOnStop= the node stays")
    }

    func testIPTOSLowDelayNameReadsSixteen() throws {
        let dir = try temporaryDirectory(self)
        let unit = try load("tos.socket", "[Socket]\nListenStream=127.0.0.1:\(try freePort())\nIPTOS=low-delay\nDeferAcceptSec=5\n", in: dir)
        let listener = try XCTUnwrap(try check(unit).listeners.first)
        XCTAssertEqual(listener.value("IP_TOS"), "16")
        XCTAssertEqual(listener.value("TCP_DEFER_ACCEPT"), "7")
    }
}

/// A loopback TCP port that was free a moment ago (unit files cannot say port 0).
func freePort() throws -> UInt16 {
    let address = try XCTUnwrap(SocketAddress.ipv4("127.0.0.1", port: 0))
    let fd = try Socket.open(family: address.family, kind: .stream, object: "probe")
    try Socket.bind(fd, to: address)
    return try XCTUnwrap(try Socket.localAddress(fd.raw).port)
}
