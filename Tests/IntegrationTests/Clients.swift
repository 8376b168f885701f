// Loopback clients for the integration tests: TCP, AF_UNIX stream and UDP,
// each sending a line and reading the answer with a deadline; and a bare
// connect() that reports refusal (a failed socket has closed its listeners).
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

/// 127.0.0.1:`port`.
func loopback(_ port: UInt16) throws -> SocketAddress {
    guard let address = SocketAddress.ipv4("127.0.0.1", port: port) else { throw HarnessError(description: "address") }
    return address
}

/// The errno a fresh stream connect() to `address` gets (0: it connected); the client is closed at once.
func connectErrno(_ address: SocketAddress) -> Int32 {
    do {
        let fd = try Socket.open(family: address.family, kind: .stream, object: "client")
        try Socket.connect(fd, to: address)
        return 0
    } catch let error as SystemError {
        return error.errno
    } catch {
        return -1
    }
}

/// Waits (at most a second) until connecting to every address is refused.
func expectRefused(_ addresses: [SocketAddress], _ what: String) throws {
    try eventually("\(what): connect() to be refused", timeout: 1) {
        addresses.allSatisfy { connectErrno($0) == ECONNREFUSED }
    }
}
