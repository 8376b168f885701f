// The inetd.conf importer line by line: fields into units, argv[0] kept with
// systemd's `@` when it differs, user.group and user:group, tcp6/tcp46,
// `[address:]service`, Debian's `#<off>#` disabled lines, and what is not mapped.

import XCTest
@testable import UnitFile

final class InetdConfImportTests: XCTestCase {
    func importing(_ text: String, includeDisabled: Bool = false) -> ImportResult {
        let services = ServicesFile(text: "finger 79/tcp\ntftp 69/udp\nauth 113/tcp ident\necho 7/tcp\n")
        return InetdConfImport.importText(text, file: "inetd.conf",
                                          options: ImportOptions(servicesFile: services, includeDisabled: includeDisabled))
    }

    func lines(_ result: ImportResult, _ name: String) -> [String] {
        (result.units.first { $0.name == name }?.text ?? "").split(separator: "\n").map(String.init)
    }

    func testNowaitLineBecomesAnAcceptingSocketAndATemplateService() {
        let result = importing("finger stream tcp nowait nobody.nogroup /usr/sbin/in.fingerd in.fingerd -w\n")
        XCTAssertEqual(result.units.map(\.name), ["finger.socket", "finger@.service"])
        XCTAssertTrue(lines(result, "finger.socket").contains("ListenStream=0.0.0.0:79"))
        XCTAssertTrue(lines(result, "finger.socket").contains("Accept=yes"))
        let service = lines(result, "finger@.service")
        XCTAssertTrue(service.contains("ExecStart=/usr/sbin/in.fingerd -w"), service.joined(separator: "\n"))
        XCTAssertTrue(service.contains("User=nobody") && service.contains("Group=nogroup"))
        XCTAssertTrue(result.complete)
    }

    func testArgv0ThatDiffersFromTheProgramIsKeptWithTheAtPrefix() {
        let result = importing("finger stream tcp nowait root /usr/sbin/tcpd /usr/sbin/in.fingerd -w\n")
        XCTAssertTrue(lines(result, "finger@.service").contains("ExecStart=@/usr/sbin/tcpd /usr/sbin/in.fingerd -w"))
    }

    func testProtocolsChooseTheAddressFamily() {
        let cases = [("tcp", ["ListenStream=0.0.0.0:7"]), ("tcp6", ["ListenStream=[::]:7", "BindIPv6Only=ipv6-only"]),
                     ("tcp46", ["ListenStream=[::]:7", "BindIPv6Only=both"])]
        for (protocolName, expected) in cases {
            let socket = lines(importing("echo stream \(protocolName) nowait root internal\n"), "echo.socket")
            for line in expected { XCTAssertTrue(socket.contains(line), "\(protocolName): \(socket)") }
        }
    }

    func testAddressInFrontOfTheServiceBindsTheListener() {
        XCTAssertTrue(lines(importing("127.0.0.1:auth stream tcp nowait identd /usr/sbin/identd identd\n"), "auth.socket")
            .contains("ListenStream=127.0.0.1:113"))
        XCTAssertTrue(lines(importing("[::1]:4000 stream tcp6 nowait nobody /bin/cat cat\n"), "4000.socket")
            .contains("ListenStream=[::1]:4000"))
    }

    func testOffPrefixedLinesAreDisabledServices() {
        let text = "#<off># finger stream tcp nowait root /usr/sbin/in.fingerd in.fingerd\n# finger is a comment\n"
        XCTAssertEqual(importing(text).units, [])
        XCTAssertEqual(importing(text).warnings.map(\.text),
                       ["inetd.conf:1: service finger is disabled, not imported (--include-disabled imports it)"])
        XCTAssertEqual(importing(text, includeDisabled: true).units.map(\.name), ["finger.socket", "finger@.service"])
    }

    func testRateLimitRpcAndShortLinesAreReportedAsNotMapped() {
        let result = importing("""
            finger stream tcp nowait.40 root /usr/sbin/in.fingerd in.fingerd
            rstatd/1-3 dgram rpc/udp wait root /usr/sbin/rpc.rstatd rpc.rstatd
            talk dgram udp
            """)
        XCTAssertEqual(result.units.map(\.name), ["finger.socket", "finger@.service"])
        XCTAssertEqual(result.reportLines, [
            "inetd.conf:1: nowait.40: at most 40 starts a minute: usherd has no such rate limit",
            "inetd.conf:2: service rstatd/1-3 not imported: RPC services need rpcbind registration, which usherd does not do",
            "inetd.conf:3: expected 'service socket_type protocol wait user server [args…]', ignoring",
        ])
        XCTAssertTrue(lines(result, "finger.socket").contains("# inetd.conf:1: nowait.40: at most 40 starts a minute: usherd has no such rate limit"))
    }

    func testUnixProtocolListensOnThePath() {
        let result = importing("/run/demo.sock stream unix nowait root /bin/cat cat\n")
        XCTAssertTrue(lines(result, "demo.sock.socket").contains("ListenStream=/run/demo.sock"))
    }

    func testInternalServiceWithoutAHandlerIsNotImported() {
        let result = importing("tcpmux stream tcp nowait root internal\n")
        XCTAssertEqual(result.units, [])
        XCTAssertEqual(result.problems.map(\.message),
                       ["service tcpmux not imported: usherctl has no handler command for the internal stream service tcpmux"])
    }
}
