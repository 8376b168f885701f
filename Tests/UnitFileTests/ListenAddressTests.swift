// Listen*= values: every address form systemd 252 accepts and the errno it
// reports for the ones it rejects (checked against systemd-analyze verify on
// Debian 12), plus the opt-in host-name extension.

import UnitModel
import XCTest
@testable import UnitFile

final class ListenAddressTests: XCTestCase {
    func testAcceptedAddressForms() throws {
        let cases: [(String, SocketAddressSpec)] = [
            ("8088", .anyPort(8088)), ("127.0.0.1:8093", .ipv4(address: "127.0.0.1", port: 8093)),
            ("[::1]:8086", .ipv6(address: "::1", port: 8086, scope: nil)),
            ("[fe80::1%eth0]:80", .ipv6(address: "fe80::1", port: 80, scope: "eth0")),
            ("[::ffff:1.2.3.4]:5", .ipv6(address: "::ffff:1.2.3.4", port: 5, scope: nil)),
            ("/run/foo.sock", .unixPath("/run/foo.sock")), ("@abstract", .abstract("abstract")),
            ("vsock:2:33", .vsock(cid: 2, port: 33)), ("vsock::33", .vsock(cid: nil, port: 33)),
        ]
        for (text, spec) in cases { XCTAssertEqual(try ListenAddressParser.socketAddress(text).get(), spec, text) }
    }

    func testRejectedAddressesCarrySystemdsErrno() {
        let invalid = ["300.1.2.3:80", "not-an-address:http", "not-an-address:99999", "[::1]", "::1", "1.2.3.4:0",
                       "01.2.3.4:5", "1.2.3.4", "[::1]:http", "localhost:80", "abc", "0", "[::1]:0", "[1::2::3]:5",
                       "[fe80::1%eth/0]:5"]
        for text in invalid { XCTAssertEqual(ListenAddressParser.socketAddress(text), .failure(.invalid), text) }
        for text in ["127.0.0.1:99999", "65536", "[::1]:65536", "1.2.3.4:-1"] {
            XCTAssertEqual(ListenAddressParser.socketAddress(text), .failure(.outOfRange), text)
        }
        XCTAssertEqual(ListenAddressParser.socketAddress("/" + String(repeating: "a", count: 108)), .failure(.nameTooLong))
    }

    func testHostNamesAreOnlyAcceptedWhenResolutionIsRequested() throws {
        let cases: [(String, SocketAddressSpec)] = [
            ("localhost:8080", .hostName(host: "localhost", service: "8080")),
            ("[::]:http", .hostName(host: "::", service: "http")),
            ("not-an-address:http", .hostName(host: "not-an-address", service: "http")),
        ]
        for (text, spec) in cases {
            XCTAssertEqual(try ListenAddressParser.socketAddress(text, resolveHostNames: true).get(), spec, text)
        }
        XCTAssertEqual(try ListenAddressParser.socketAddress("127.0.0.1:80", resolveHostNames: true).get(),
                       .ipv4(address: "127.0.0.1", port: 80))
        XCTAssertEqual(ListenAddressParser.socketAddress("127.0.0.1:99999", resolveHostNames: true), .failure(.outOfRange))
    }

    func testNetlinkNeedsAKnownFamily() throws {
        XCTAssertEqual(try ListenAddressParser.netlink("kobject-uevent 1").get(), NetlinkSpec(family: "kobject-uevent", group: 1))
        XCTAssertEqual(try ListenAddressParser.netlink("route").get(), NetlinkSpec(family: "route", group: 0))
        XCTAssertEqual(ListenAddressParser.netlink("bogus 3"), .failure(.invalid))
        XCTAssertEqual(ListenAddressParser.netlink("audit x"), .failure(.invalid))
    }

    func testIPLiteralValidationIsStrict() {
        for ok in ["::", "::1", "1:2:3:4:5:6:7:8", "fe80::1:2", "::ffff:10.0.0.1", "2001:db8::"] {
            XCTAssertTrue(IPLiterals.isIPv6(ok), ok)
        }
        for bad in [":::", "1:2:3:4:5:6:7:8:9", "12345::", "g::1", ":1::2", "1::2:"] { XCTAssertFalse(IPLiterals.isIPv6(bad), bad) }
        for bad in ["256.1.1.1", "1.1.1", "1..1.1", "1.1.1.1.1", "a.b.c.d"] { XCTAssertFalse(IPLiterals.isIPv4(bad), bad) }
    }
}
