// AF_UNIX and other filesystem listeners: node and parent-directory modes
// (conformance case f), stale nodes, RemoveOnStop=, Symlinks=, owners,
// abstract names, SO_PEERCRED instance strings, FIFOs, special files, mqueues.
import XCTest
import Binder
import UnitModel
import UsherSys

final class UnixListenerTests: XCTestCase {
    /// Conformance case f: SocketMode=0600 DirectoryMode=0750 RemoveOnStop=yes.
    func testConformanceCaseFModesAndRemoveOnStopKeepsDirectories() throws {
        let run = try temporaryDirectory(self)
        let path = run + "/newdir/sub/perm.sock"
        let unit = socketUnit("perm.socket", [stream(.unixPath(path), path)]) {
            $0.socketMode = 0o600
            $0.directoryMode = 0o750
            $0.removeOnStop = true
        }
        let bound = try XCTUnwrap(try? Binder.bind(unit).get())
        XCTAssertEqual(try FileNodes.status(run + "/newdir"), FileStatus(kind: .directory, mode: 0o750, uid: 0, gid: 0))
        XCTAssertEqual(try FileNodes.status(run + "/newdir/sub").mode, 0o750)
        let node = try FileNodes.status(path)
        XCTAssertEqual(node.kind, .socket)
        XCTAssertEqual(node.mode, 0o600)
        let listener = try XCTUnwrap(bound.listeners.first)
        XCTAssertEqual(try option(listener, .reuseAddress), 1)
        XCTAssertEqual(try option(listener, .acceptConnections), 1)
        XCTAssertEqual(listener.localDescription, path)
        Binder.release(bound)
        XCTAssertFalse(FileNodes.exists(path))
        XCTAssertEqual(try FileNodes.status(run + "/newdir/sub").kind, .directory)
    }

    /// Conformance case a: default mode 0666, node kept without RemoveOnStop=.
    func testDefaultModeIs0666AndNodeStaysAfterRelease() throws {
        let run = try temporaryDirectory(self)
        let path = run + "/web.sock"
        let bound = try XCTUnwrap(try? Binder.bind(socketUnit("web.socket", [stream(.unixPath(path), path)])).get())
        XCTAssertEqual(try FileNodes.status(path).mode, 0o666)
        Binder.release(bound)
        XCTAssertEqual(try FileNodes.status(path).kind, .socket)
    }

    func testStaleNodeIsReplacedAndNewListenerAccepts() throws {
        let path = try temporaryDirectory(self) + "/stale.sock"
        let first = try XCTUnwrap(try? Binder.bind(socketUnit("a.socket", [stream(.unixPath(path), path)])).get())
        Binder.release(first)
        XCTAssertTrue(FileNodes.exists(path))
        let second = try bindOrFail(socketUnit("a.socket", [stream(.unixPath(path), path)]))
        let client = try connectClient(try SocketAddress.unixPath(path))
        let connection = try XCTUnwrap(try acceptPending(try XCTUnwrap(second.listeners.first)))
        XCTAssertEqual(connection.credentials?.pid, getpid())
        XCTAssertEqual(connection.instanceName(number: 2), "2-\(getpid())-\(getuid())")
        XCTAssertNil(connection.remoteAddressAndPort)
        _ = client
    }

    func testSocketUserAndGroupOwnTheNode() throws {
        try XCTSkipUnless(Identity.isRoot, "chown to another user needs root")
        let path = try temporaryDirectory(self) + "/owned.sock"
        let unit = socketUnit("own.socket", [stream(.unixPath(path), path)]) {
            $0.socketUser = "nobody"
            $0.socketGroup = "1234"
        }
        _ = try bindOrFail(unit)
        let node = try FileNodes.status(path)
        XCTAssertEqual(node.uid, Identity.userID("nobody"))
        XCTAssertEqual(node.gid, 1234)
    }

    func testUnknownSocketUserFailsTheUnitWithoutLeak() throws {
        let path = try temporaryDirectory(self) + "/x.sock"
        try assertNoFDLeak {
            let failure = try bindFailure(socketUnit("own.socket", [stream(.unixPath(path), path)]) { $0.socketUser = "no-such-user-xyz" })
            XCTAssertEqual(failure.description, "own.socket: Failed to listen on \(path): Failed to resolve user 'no-such-user-xyz'")
        }
    }

    func testSymlinksPointAtTheNodeAndGoWithRemoveOnStop() throws {
        let dir = try temporaryDirectory(self)
        let path = dir + "/real.sock"
        let link = dir + "/links/alias.sock"
        let unit = socketUnit("ln.socket", [stream(.unixPath(path), path)]) {
            $0.symlinks = [link]
            $0.removeOnStop = true
        }
        let bound = try XCTUnwrap(try? Binder.bind(unit).get())
        XCTAssertEqual(try FileNodes.readLink(link), path)
        XCTAssertEqual(bound.symlinks, [link])
        _ = try connectClient(try SocketAddress.unixPath(link))
        Binder.release(bound)
        XCTAssertFalse(FileNodes.exists(link))
        XCTAssertFalse(FileNodes.exists(path))
    }

    func testSymlinksWithoutASingleNodeWarnAndCreateNothing() throws {
        let dir = try temporaryDirectory(self)
        let unit = socketUnit("ln.socket", [stream(.ipv4(address: "127.0.0.1", port: 0))]) { $0.symlinks = [dir + "/l"] }
        let bound = try bindOrFail(unit)
        XCTAssertEqual(bound.warnings, ["ln.socket: Symlinks= needs exactly one file system node, ignoring"])
        XCTAssertFalse(FileNodes.exists(dir + "/l"))
    }

    func testAbstractSocketHasNoNodeAndAcceptsClients() throws {
        let name = "usher-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let bound = try bindOrFail(socketUnit("abs.socket", [stream(.abstract(name), "@" + name)]))
        let listener = try XCTUnwrap(bound.listeners.first)
        XCTAssertEqual(listener.localDescription, "@" + name)
        XCTAssertNil(listener.node)
        _ = try connectClient(try SocketAddress.abstract(name))
        _ = try acceptPending(listener)
    }

    func testSequentialPacketAndDatagramUnixListeners() throws {
        let dir = try temporaryDirectory(self)
        let unit = socketUnit("mix.socket", [
            ListenSpec(kind: .sequentialPacket, target: .socket(.unixPath(dir + "/seq.sock")), text: dir + "/seq.sock"),
            datagram(.unixPath(dir + "/dg.sock"), dir + "/dg.sock"),
        ]) { $0.passCredentials = true; $0.passSecurity = true }
        let bound = try bindOrFail(unit)
        XCTAssertEqual(try Socket.identity(bound.listeners[0].fd.raw).type, 5) // SOCK_SEQPACKET
        XCTAssertEqual(try option(bound.listeners[0], .acceptConnections), 1)
        XCTAssertEqual(try Socket.identity(bound.listeners[1].fd.raw).type, 2) // SOCK_DGRAM
        XCTAssertEqual(try option(bound.listeners[1], .passCredentials), 1)
        XCTAssertEqual(try option(bound.listeners[1], .passSecurity), 1)
        XCTAssertEqual(try option(bound.listeners[1], .reuseAddress), 1)
        XCTAssertEqual(bound.warnings, [])
    }

    func testPassCredentialsOnTCPIsAWarningNotAFailure() throws {
        let unit = socketUnit("more.socket", [stream(.ipv4(address: "127.0.0.1", port: 0))]) { $0.passCredentials = true }
        let bound = try bindOrFail(unit)
        XCTAssertEqual(bound.warnings, ["more.socket: SO_PASSCRED failed: Operation not supported, ignoring"])
        XCTAssertEqual(try option(try XCTUnwrap(bound.listeners.first), .acceptConnections), 1)
    }

    func testIPTTLOnAUnixSocketWarnsWithSystemdsErrno() throws {
        let path = NSTemporaryDirectory() + "ttl-\(getpid()).sock"
        defer { unlink(path) }
        let unit = socketUnit("ttl.socket", [stream(.unixPath(path))]) { $0.ipTTL = 5 }
        let bound = try bindOrFail(unit)
        XCTAssertEqual(bound.warnings,
                       ["ttl.socket: IP_TTL/IPV6_UNICAST_HOPS failed: Address family not supported by protocol, ignoring"])
        XCTAssertEqual(try option(try XCTUnwrap(bound.listeners.first), .acceptConnections), 1, "the listener works")
    }
}
