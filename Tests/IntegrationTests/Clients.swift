// Loopback clients for the integration tests: TCP, AF_UNIX stream and UDP,
// each sending a line and reading the answer with a deadline.
import Foundation
import UsherSys

enum Client {
    /// Connects, sends `line`, returns what comes back within `timeout` ms.
    static func tcp(port: UInt16, send line: String = "hello\n", timeout: Int32 = 5000) throws -> String {
        guard let address = SocketAddress.ipv4("127.0.0.1", port: port) else { throw HarnessError(description: "address") }
        let fd = try Socket.open(family: AF_INET, kind: .stream, object: "client")
        try Socket.connect(fd, to: address)
        return try exchange(fd, line, timeout)
    }

    static func unix(path: String, send line: String = "hello\n", timeout: Int32 = 5000) throws -> String {
        let fd = try Socket.open(family: AF_UNIX, kind: .stream, object: "client")
        try Socket.connect(fd, to: try SocketAddress.unixPath(path))
        return try exchange(fd, line, timeout)
    }

    static func udp(port: UInt16, send line: String = "hello\n", timeout: Int32 = 5000) throws -> String {
        guard let address = SocketAddress.ipv4("127.0.0.1", port: port) else { throw HarnessError(description: "address") }
        let fd = try Socket.open(family: AF_INET, kind: .datagram, object: "client")
        try Socket.connect(fd, to: address)
        return try exchange(fd, line, timeout)
    }

    /// Connects and keeps the connection open without sending (a pending client).
    static func connectOnly(port: UInt16) throws -> OwnedFD {
        guard let address = SocketAddress.ipv4("127.0.0.1", port: port) else { throw HarnessError(description: "address") }
        let fd = try Socket.open(family: AF_INET, kind: .stream, object: "client")
        try Socket.connect(fd, to: address)
        return fd
    }

    private static func exchange(_ fd: OwnedFD, _ line: String, _ timeout: Int32) throws -> String {
        try BlockingIO.writeAll(fd.raw, Array(line.utf8))
        return String(decoding: BlockingIO.readSome(fd.raw, milliseconds: timeout), as: UTF8.self)
    }
}
