// Helpers for binder tests: build SocketUnit values directly, temp dirs,
// loopback clients, and bind-or-fail wrappers. Tests read every option back
// from the kernel with getsockopt/fstat/stat through UsherSys.
import XCTest
import Binder
import UnitModel
import UsherSys
import Foundation

func socketUnit(_ name: String, _ listens: [ListenSpec], _ configure: (inout SocketOptions) -> Void = { _ in }) -> SocketUnit {
    var unit = SocketUnit(name: UnitName(name))
    unit.listens = listens
    configure(&unit.options)
    return unit
}

func stream(_ address: SocketAddressSpec, _ text: String = "") -> ListenSpec {
    ListenSpec(kind: .stream, target: .socket(address), text: text.isEmpty ? "\(address)" : text)
}

func datagram(_ address: SocketAddressSpec, _ text: String = "") -> ListenSpec {
    ListenSpec(kind: .datagram, target: .socket(address), text: text.isEmpty ? "\(address)" : text)
}

/// A fresh directory under /tmp, removed at the end of the test.
func temporaryDirectory(_ test: XCTestCase) throws -> String {
    let path = NSTemporaryDirectory() + "usher-binder-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    return path
}

extension XCTestCase {
    /// Binds or fails the test with the binder's message.
    func bindOrFail(_ unit: SocketUnit, keeping: [BoundListener] = [], file: StaticString = #filePath,
                    line: UInt = #line) throws -> BoundSocket {
        switch Binder.bind(unit, keeping: keeping) {
        case .success(let bound):
            addTeardownBlock { Binder.release(bound) }
            return bound
        case .failure(let failure):
            XCTFail("bind failed: \(failure)", file: file, line: line)
            throw failure
        }
    }

    /// Binds expecting failure; returns the failure.
    func bindFailure(_ unit: SocketUnit, file: StaticString = #filePath, line: UInt = #line) throws -> BindFailure {
        switch Binder.bind(unit) {
        case .success(let bound):
            Binder.release(bound)
            XCTFail("bind unexpectedly succeeded", file: file, line: line)
            throw XCTSkip("unreachable")
        case .failure(let failure):
            return failure
        }
    }

    /// Runs `body` and checks the process has the same open fds before and after.
    func assertNoFDLeak(file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void) rethrows {
        let before = UsherSys.openFileDescriptors()
        try body()
        XCTAssertEqual(UsherSys.openFileDescriptors(), before, "fd leak", file: file, line: line)
    }
}

func option(_ listener: BoundListener, _ name: SocketOptionName) throws -> Int32 {
    try name.get(listener.fd.raw)
}

/// Connects a blocking client to `address`; throws the connect error.
func connectClient(_ address: SocketAddress, kind: SocketKind = .stream) throws -> OwnedFD {
    let fd = try Socket.open(family: address.family, kind: kind, object: address.description)
    try Socket.connect(fd, to: address)
    return fd
}

/// Accepts one pending connection, waiting at most two seconds for it (never hangs).
func acceptPending(_ listener: BoundListener, file: StaticString = #filePath, line: UInt = #line) throws -> AcceptedConnection {
    guard try Socket.waitReadable(listener.fd.raw, timeoutMilliseconds: 2_000) else {
        XCTFail("no connection pending on \(listener.localDescription)", file: file, line: line)
        throw XCTSkip("no connection")
    }
    return try XCTUnwrap(try Socket.accept(listener.fd.raw), file: file, line: line)
}
