// SocketAddress in its compact form: every family keeps exactly the bytes and
// length it was built with (what bind(2) gets back through withSockaddr and
// storage), equality looks at those bytes only, and an address the kernel
// reports for a real bound socket reads back the same.
import Glibc
import XCTest
import UsherSys

final class SocketAddressFormTests: XCTestCase {
    func testEachFamilyKeepsItsFamilyLengthAndText() throws {
        let cases: [(SocketAddress?, Int32, Int, String)] = [
            (SocketAddress.ipv4("127.0.0.1", port: 80), AF_INET, MemoryLayout<sockaddr_in>.size, "127.0.0.1:80"),
            (SocketAddress.ipv6("::1", port: 81), AF_INET6, MemoryLayout<sockaddr_in6>.size, "[::1]:81"),
            (try SocketAddress.unixPath("/run/x.sock"), AF_UNIX, 2 + 12, "/run/x.sock"),
            (try SocketAddress.abstract("name"), AF_UNIX, 2 + 5, "@name"),
            (SocketAddress.vsock(cid: 3, port: 4), AF_VSOCK, 16, "vsock:3:4"),
            (SocketAddress.vsock(cid: nil, port: 4), AF_VSOCK, 16, "vsock::4"),
            (SocketAddress.netlink(groups: 1), AF_NETLINK, 12, "netlink:1"),
            (SocketAddress(), AF_UNSPEC, 0, "family 0"),
        ]
        for (address, family, length, text) in cases {
            let address = try XCTUnwrap(address, text)
            XCTAssertEqual(address.family, family, text)
            XCTAssertEqual(Int(address.length), length, text)
            XCTAssertEqual(address.description, text)
            XCTAssertEqual(SocketAddress(storage: address.storage, length: address.length), address, text)
            address.withSockaddr { pointer, size in
                XCTAssertEqual(Int32(pointer.pointee.sa_family), family, text)
                XCTAssertEqual(Int(size), length, text)
            }
        }
    }

    func testSourceTextIsSockaddrPrettyWithoutThePort() throws {
        XCTAssertEqual(SocketAddress.ipv4("127.0.0.1", port: 80)?.sourceText, "127.0.0.1")
        XCTAssertEqual(SocketAddress.ipv6("::ffff:127.0.0.1", port: 80)?.sourceText, "127.0.0.1")
        XCTAssertEqual(SocketAddress.ipv6("::1", port: 80)?.sourceText, "::1")
        XCTAssertEqual(SocketAddress.vsock(cid: 3, port: 4).sourceText, "vsock:3")
        XCTAssertNil(try SocketAddress.unixPath("/run/x.sock").sourceText)
    }

    func testEqualityComparesFamilyBytesAndLength() throws {
        XCTAssertEqual(SocketAddress.ipv4("127.0.0.1", port: 80), SocketAddress.ipv4("127.0.0.1", port: 80))
        XCTAssertNotEqual(SocketAddress.ipv4("127.0.0.1", port: 80), SocketAddress.ipv4("127.0.0.1", port: 81))
        XCTAssertNotEqual(SocketAddress.ipv4("0.0.0.0", port: 80), SocketAddress.ipv6("::", port: 80))
        XCTAssertNotEqual(try SocketAddress.unixPath("/run/a"), try SocketAddress.unixPath("/run/ab"))
        XCTAssertNotEqual(try SocketAddress.unixPath("/run/a"), try SocketAddress.abstract("/run/a"))
    }

    func testTheKernelsViewOfABoundSocketReadsBackAsBound() throws {
        let wanted = try XCTUnwrap(SocketAddress.ipv4("127.0.0.1", port: 0))
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        XCTAssertEqual(wanted.withSockaddr { bind(fd, $0, $1) }, 0)
        let local = try Socket.localAddress(fd)
        XCTAssertEqual(local.family, AF_INET)
        XCTAssertEqual(local.hostText(), "127.0.0.1")
        XCTAssertNotEqual(local.port, 0)
        XCTAssertEqual(SocketAddress.ipv4("127.0.0.1", port: local.port ?? 0), local)
    }
}
