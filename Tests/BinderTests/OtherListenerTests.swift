// The listener kinds beyond IP and AF_UNIX sockets: FIFO (+PipeSize=),
// special files (+Writable=), netlink, POSIX message queues (+sizes), vsock,
// SocketProtocol= (udplite, mptcp, sctp where the kernel has it), Usher's
// host-name extension, and the ancillary-data / congestion options.
import XCTest
import Binder
import UnitModel
import UsherSys

final class OtherListenerTests: XCTestCase {
    func testFIFOIsCreatedWithModeParentsAndPipeSize() throws {
        let dir = try temporaryDirectory(self)
        let path = dir + "/d/fifo"
        let unit = socketUnit("f.socket", [ListenSpec(kind: .fifo, target: .path(path), text: path)]) {
            $0.socketMode = 0o640
            $0.directoryMode = 0o700
            $0.pipeSize = 131_072
            $0.removeOnStop = true
        }
        let bound = try XCTUnwrap(try? Binder.bind(unit).get())
        let listener = try XCTUnwrap(bound.listeners.first)
        XCTAssertEqual(try FileNodes.status(path), FileStatus(kind: .fifo, mode: 0o640, uid: getuid(), gid: getgid()))
        XCTAssertEqual(try FileNodes.status(dir + "/d").mode, 0o700)
        XCTAssertEqual(try FileNodes.pipeSize(listener.fd.raw), 131_072)
        XCTAssertEqual(try FileNodes.status(fd: listener.fd.raw).kind, .fifo)
        XCTAssertTrue(listener.fd.isCloseOnExec)
        XCTAssertFalse(listener.fd.isNonBlocking)
        Binder.release(bound)
        XCTAssertFalse(FileNodes.exists(path))
    }

    func testExistingRegularFileAtFIFOPathFailsTheUnit() throws {
        let path = try temporaryDirectory(self) + "/notfifo"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data()))
        try assertNoFDLeak {
            let unit = socketUnit("f.socket", [ListenSpec(kind: .fifo, target: .path(path), text: path)])
            XCTAssertEqual(try bindFailure(unit).description, "f.socket: Failed to listen on \(path): File exists")
        }
    }

    func testSpecialFileIsReadOnlyUnlessWritable() throws {
        let spec = ListenSpec(kind: .special, target: .path("/dev/null"), text: "/dev/null")
        let readOnly = try XCTUnwrap(try bindOrFail(socketUnit("s.socket", [spec])).listeners.first)
        XCTAssertEqual(fcntl(readOnly.fd.raw, F_GETFL) & O_ACCMODE, O_RDONLY)
        let writable = try XCTUnwrap(try bindOrFail(socketUnit("s.socket", [spec]) { $0.writable = true }).listeners.first)
        XCTAssertEqual(fcntl(writable.fd.raw, F_GETFL) & O_ACCMODE, O_RDWR)
        XCTAssertEqual(try FileNodes.status(fd: writable.fd.raw).kind, .characterDevice)
    }

    func testExistingFIFOIsReusedWithSameModeAndRefusedWithAnother() throws {
        let path = try temporaryDirectory(self) + "/fifo"
        let spec = ListenSpec(kind: .fifo, target: .path(path), text: path)
        XCTAssertEqual(mkfifo(path, 0o600), 0)
        try FileNodes.chmod(path, mode: 0o600)
        _ = try bindOrFail(socketUnit("f.socket", [spec]) { $0.socketMode = 0o600 })
        try assertNoFDLeak {
            XCTAssertEqual(try bindFailure(socketUnit("f.socket", [spec])).description,
                           "f.socket: Failed to listen on \(path): File exists")
        }
    }

    func testSpecialFIFOWithoutWritersDoesNotHangAndIsRefused() throws {
        let path = try temporaryDirectory(self) + "/fifo"
        XCTAssertEqual(mkfifo(path, 0o600), 0)
        try assertNoFDLeak {
            let unit = socketUnit("s.socket", [ListenSpec(kind: .special, target: .path(path), text: path)])
            XCTAssertEqual(try bindFailure(unit).description,
                           "s.socket: Failed to listen on \(path): \(path) is not a character device or regular file")
        }
    }

    func testSpecialFileThatIsADirectoryFailsTheUnit() throws {
        let dir = try temporaryDirectory(self)
        try assertNoFDLeak {
            let unit = socketUnit("s.socket", [ListenSpec(kind: .special, target: .path(dir), text: dir)])
            XCTAssertEqual(try bindFailure(unit).description,
                           "s.socket: Failed to listen on \(dir): \(dir) is not a character device or regular file")
        }
    }

    func testNetlinkKobjectUeventBindsRawSocketWithGroup() throws {
        let spec = ListenSpec(kind: .netlink, target: .netlink(NetlinkSpec(family: "kobject-uevent", group: 1)), text: "kobject-uevent 1")
        let listener = try XCTUnwrap(try bindOrFail(socketUnit("uevent.socket", [spec]) { $0.receiveBuffer = 1_048_576 }).listeners.first)
        let identity = try Socket.identity(listener.fd.raw)
        XCTAssertEqual(identity.family, AddressFamily.netlink)
        XCTAssertEqual(identity.protocol, 15)
        XCTAssertEqual(listener.localDescription.hasPrefix("netlink:"), true)
        XCTAssertEqual(try option(listener, .reuseAddress), 1)
        XCTAssertEqual(try option(listener, .receiveBuffer), 2_097_152)
    }

    func testUnknownNetlinkFamilyFailsTheUnit() throws {
        let spec = ListenSpec(kind: .netlink, target: .netlink(NetlinkSpec(family: "bogus", group: 0)), text: "bogus")
        XCTAssertEqual(try bindFailure(socketUnit("nl.socket", [spec])).description,
                       "nl.socket: Failed to listen on bogus: Unknown netlink family 'bogus'")
    }

    func testMessageQueueIsCreatedWithModeAndSizesAndUnlinkedOnStop() throws {
        let name = "/usher-test-\(getpid())-\(UInt16.random(in: 0...UInt16.max))"
        let unit = socketUnit("mq.socket", [ListenSpec(kind: .messageQueue, target: .path(name), text: name)]) {
            $0.socketMode = 0o600
            $0.messageQueueMaxMessages = 4
            $0.messageQueueMessageSize = 128
            $0.removeOnStop = true
        }
        let bound = try XCTUnwrap(try? Binder.bind(unit).get())
        let listener = try XCTUnwrap(bound.listeners.first)
        XCTAssertEqual(try FileNodes.status(fd: listener.fd.raw).mode, 0o600)
        let attributes = try MessageQueueAttributes.of(listener.fd.raw)
        XCTAssertEqual(attributes.maxMessages, 4)
        XCTAssertEqual(attributes.messageSize, 128)
        XCTAssertTrue(listener.fd.isCloseOnExec)
        Binder.release(bound)
        XCTAssertThrowsError(try FileNodes.unlinkMessageQueue(name)) {
            XCTAssertEqual(($0 as? SystemError)?.errno, ENOENT)
        }
    }

    func testVsockListenerBindsWhereTheKernelOffersIt() throws {
        let unit = socketUnit("vm.socket", [stream(.vsock(cid: nil, port: 0x7654_3210), "vsock::1985229328")])
        switch Binder.bind(unit) {
        case .success(let bound):
            defer { Binder.release(bound) }
            let listener = try XCTUnwrap(bound.listeners.first)
            XCTAssertEqual(try Socket.identity(listener.fd.raw).family, AddressFamily.vsock)
            XCTAssertEqual(try option(listener, .acceptConnections), 1)
        case .failure(let failure):
            throw XCTSkip("kernel without a usable AF_VSOCK transport: \(failure)")
        }
    }

    func testSocketProtocolUDPLiteAndMPTCP() throws {
        let lite = socketUnit("lite.socket", [datagram(.ipv4(address: "127.0.0.1", port: 0))]) { $0.socketProtocol = "udplite" }
        XCTAssertEqual(try Socket.identity(try XCTUnwrap(try bindOrFail(lite).listeners.first).fd.raw).protocol, IPProtocolNumber.udplite)
        let mptcp = socketUnit("mp.socket", [stream(.ipv4(address: "127.0.0.1", port: 0))]) { $0.socketProtocol = "mptcp" }
        switch Binder.bind(mptcp) {
        case .success(let bound):
            defer { Binder.release(bound) }
            XCTAssertEqual(try Socket.identity(try XCTUnwrap(bound.listeners.first).fd.raw).protocol, IPProtocolNumber.mptcp)
        case .failure(let failure):
            throw XCTSkip("kernel without MPTCP: \(failure)")
        }
    }

    func testSCTPFailsClearlyWhereTheKernelLacksIt() throws {
        let unit = socketUnit("sctp.socket", [stream(.ipv4(address: "127.0.0.1", port: 0), "127.0.0.1:0")]) {
            $0.socketProtocol = "sctp"
            $0.noDelay = true
        }
        switch Binder.bind(unit) {
        case .success(let bound):
            defer { Binder.release(bound) }
            let listener = try XCTUnwrap(bound.listeners.first)
            XCTAssertEqual(try Socket.identity(listener.fd.raw).protocol, IPProtocolNumber.sctp)
            XCTAssertEqual(try option(listener, .sctpNoDelay), 1)
        case .failure(let failure):
            XCTAssertEqual(failure.description, "sctp.socket: Failed to listen on 127.0.0.1:0: Protocol not supported")
            XCTAssertEqual(failure.systemError?.call, "socket")
        }
    }

    func testHostNameExtensionBindsEveryResolvedAddress() throws {
        let unit = socketUnit("named.socket", [stream(.hostName(host: "localhost", service: "0"), "localhost:0")])
        let bound = try bindOrFail(unit)
        XCTAssertFalse(bound.listeners.isEmpty)
        for listener in bound.listeners {
            XCTAssertTrue(listener.address?.isIP ?? false)
            XCTAssertEqual(listener.spec.text, "localhost:0")
        }
        let failure = try bindFailure(socketUnit("bad.socket", [stream(.hostName(host: "no-such-host.invalid", service: "80"), "no-such-host.invalid:80")]))
        XCTAssertTrue(failure.description.hasPrefix("bad.socket: Failed to listen on no-such-host.invalid:80: "), failure.description)
    }

    func testAncillaryAndCongestionOptionsReadBack() throws {
        let unit = socketUnit("anc.socket", [datagram(.ipv4(address: "127.0.0.1", port: 0))]) {
            $0.passPacketInfo = true
            $0.timestamping = .ns
        }
        let listener = try XCTUnwrap(try bindOrFail(unit).listeners.first)
        XCTAssertEqual(try option(listener, .ipPacketInfo), 1)
        XCTAssertEqual(try option(listener, .timestampNanoseconds), 1)
        let tcp = socketUnit("cc.socket", [stream(.ipv4(address: "127.0.0.1", port: 0))]) {
            $0.tcpCongestion = "reno"
            $0.timestamping = .us
        }
        let tcpListener = try XCTUnwrap(try bindOrFail(tcp).listeners.first)
        XCTAssertEqual(try SocketOptionName.tcpCongestion.getText(tcpListener.fd.raw), "reno")
        XCTAssertEqual(try option(tcpListener, .timestamp), 1)
    }

    func testUnknownCongestionAlgorithmIsAWarning() throws {
        let unit = socketUnit("cc.socket", [stream(.ipv4(address: "127.0.0.1", port: 0))]) { $0.tcpCongestion = "nosuchcc" }
        let bound = try bindOrFail(unit)
        XCTAssertEqual(bound.warnings, ["cc.socket: TCP_CONGESTION failed: No such file or directory, ignoring"])
    }

    func testUSBFunctionIsRefusedWithAClearMessage() throws {
        let spec = ListenSpec(kind: .usbFunction, target: .path("/dev/ffs"), text: "/dev/ffs")
        XCTAssertEqual(try bindFailure(socketUnit("usb.socket", [spec])).description,
                       "usb.socket: Failed to listen on /dev/ffs: ListenUSBFunction= is not supported by usherd")
    }
}
