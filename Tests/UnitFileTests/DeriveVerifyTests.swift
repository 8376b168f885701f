// Derive and verify: the socket→service pairing, the Accept=-dependent
// trigger-limit default, the implicit oneshot, and every refusal with the
// exact text systemd 252 printed for the same unit (systemd-analyze verify).

import UnitModel
import XCTest
@testable import UnitFile

final class DeriveVerifyTests: XCTestCase {
    func testSocketPairsWithSameNamedServiceByDefault() throws {
        let (socket, diagnostics) = try loadSocket("[Socket]\nListenStream=127.0.0.1:8083\n", name: "alpha.socket")
        XCTAssertEqual(socket?.service, UnitName("alpha.service"))
        XCTAssertEqual(socket?.triggerLimitBurst, 20)
        XCTAssertEqual(socket?.fdName, "alpha.socket")
        XCTAssertTrue(diagnostics.isEmpty)
    }

    func testServiceKeyOverridesThePairing() throws {
        let (socket, _) = try loadSocket("[Socket]\nListenStream=127.0.0.1:8083\nService=beta-backend.service\n", name: "alpha.socket")
        XCTAssertEqual(socket?.service, UnitName("beta-backend.service"))
        XCTAssertEqual(socket?.explicitService, UnitName("beta-backend.service"))
    }

    func testAcceptYesPairsWithTemplateAndRaisesTriggerBurstTo200() throws {
        let (socket, _) = try loadSocket("[Socket]\nListenStream=127.0.0.1:8085\nListenStream=[::1]:8086\nAccept=yes\n", name: "foo.socket")
        XCTAssertEqual(socket?.service, UnitName("foo@.service"))
        XCTAssertEqual(socket?.triggerLimitBurst, 200)
    }

    func testExplicitTriggerLimitBurstWinsOverTheDefault() throws {
        XCTAssertEqual(try loadSocket("[Socket]\nListenStream=1\nAccept=yes\nTriggerLimitBurst=0\n").0?.triggerLimitBurst, 0)
        XCTAssertEqual(try loadSocket("[Socket]\nListenStream=1\nTriggerLimitBurst=5\nAccept=yes\n").0?.triggerLimitBurst, 5)
    }

    func testSocketRefusals() throws {
        let cases: [(String, String)] = [
            ("[Socket]\nBacklog=5\n", "Unit has no Listen setting (ListenStream=, ListenDatagram=, ListenFIFO=, ...). Refusing."),
            ("[Socket]\nListenDatagram=127.0.0.1:9\nAccept=yes\n",
             "Unit configured for accepting sockets, but sockets are non-accepting. Refusing."),
            ("[Socket]\nListenStream=1\nListenFIFO=/run/f\nAccept=yes\n",
             "Unit configured for accepting sockets, but sockets are non-accepting. Refusing."),
            ("[Socket]\nListenStream=127.0.0.1:9\nAccept=yes\nService=x.service\n",
             "Explicit service configuration for accepting socket units not supported. Refusing."),
            ("[Socket]\nListenStream=127.0.0.1:5\nAccept=yes\nMaxConnections=0\n", "MaxConnection= setting too small. Refusing."),
            ("[Socket]\nListenStream=127.0.0.1:5\nSymlinks=/run/x\n",
             "Unit has symlinks set but none or more than one node in the file system. Refusing."),
            ("[Socket]\nListenSpecial=/dev/null\nSymlinks=/run/x\n",
             "Unit has symlinks set but none or more than one node in the file system. Refusing."),
            ("[Socket]\nListenStream=/run/a.sock\nListenFIFO=/run/b.fifo\nSymlinks=/run/x\n",
             "Unit has symlinks set but none or more than one node in the file system. Refusing."),
            ("[Socket]\nListenStream=127.0.0.1:1\nListenStream=\n",
             "Unit has no Listen setting (ListenStream=, ListenDatagram=, ListenFIFO=, ...). Refusing."),
        ]
        for (text, reason) in cases {
            let (socket, diagnostics) = try loadSocket(text)
            XCTAssertNil(socket, text)
            XCTAssertEqual(diagnostics.last, "t.socket: " + reason, text)
        }
    }

    func testSequentialPacketListenersMayAccept() throws {
        XCTAssertEqual(try loadSocket("[Socket]\nListenSequentialPacket=/run/s\nAccept=yes\n").0?.accept, true)
    }

    func testServiceRefusals() throws {
        let cases: [(String, String)] = [
            ("[Service]\n", "Service has no ExecStart=, ExecStop=, or SuccessAction=. Refusing."),
            ("[Service]\nType=oneshot\n", "Service has no ExecStart=, ExecStop=, or SuccessAction=. Refusing."),
            ("[Service]\nType=simple\nExecStop=/bin/true\nRemainAfterExit=yes\n",
             "Service has no ExecStart= setting, which is only allowed for Type=oneshot services. Refusing."),
            ("[Service]\nExecStop=/bin/true\n",
             "Service has no ExecStart= and no SuccessAction= settings and does not have RemainAfterExit=yes set. Refusing."),
            ("[Service]\nExecStart=/bin/a\nExecStart=/bin/b\n",
             "Service has more than one ExecStart= setting, which is only allowed for Type=oneshot services. Refusing."),
            ("[Service]\nType=oneshot\nRestart=always\nExecStart=/bin/true\n",
             "Service has Restart= set to either always or on-success, which isn't allowed for Type=oneshot services. Refusing."),
            ("[Service]\nType=dbus\nExecStart=/bin/true\n",
             "Service is of type D-Bus but no D-Bus service name has been specified. Refusing."),
            ("[Service]\nGroup=bad:group\nExecStart=/bin/true\n", "Unit configuration has fatal error, unit will not be started."),
            ("[Service]\nWorkingDirectory=relative\nExecStart=/bin/true\n",
             "Unit configuration has fatal error, unit will not be started."),
        ]
        for (text, reason) in cases {
            let (service, diagnostics) = try loadService(text)
            XCTAssertNil(service, text)
            XCTAssertEqual(diagnostics.last, "t.service: " + reason, text)
        }
    }

    func testServiceWithoutTypeOrExecStartBecomesOneshotWhenRemainAfterExit() throws {
        let (service, _) = try loadService("[Service]\nExecStop=/bin/true\nRemainAfterExit=yes\n")
        XCTAssertEqual(service?.type, .oneshot)
    }

    func testSuccessActionExemptsFromExecStartButWarnsUnsupported() throws {
        let (service, diagnostics) = try loadService("[Unit]\nSuccessAction=exit\n[Service]\n")
        XCTAssertNotNil(service)
        XCTAssertEqual(diagnostics, ["t.service:2: Key 'SuccessAction' in section [Unit]: Unsupported by usherd, ignoring."])
    }

    func testRuntimeMaxSecOnOneshotWarns() throws {
        let (service, diagnostics) = try loadService("[Service]\nType=oneshot\nExecStart=/bin/true\nRuntimeMaxSec=5\n")
        XCTAssertNotNil(service)
        XCTAssertEqual(diagnostics, ["t.service: RuntimeMaxSec= has no effect in combination with Type=oneshot. Ignoring."])
    }

    func testTimeoutSecSetsBothUnlessSetSeparately() throws {
        let (service, _) = try loadService("[Service]\nExecStart=/bin/true\nTimeoutStopSec=7\nTimeoutSec=45\n")
        XCTAssertEqual(service?.timeoutStartSec, .seconds(45))
        XCTAssertEqual(service?.timeoutStopSec, .seconds(7))
        XCTAssertEqual(try loadService("[Service]\nExecStart=/bin/true\nTimeoutStartSec=0\n").0?.timeoutStartSec, .infinity)
    }

    func testSocketTimeoutZeroMeansNoTimeout() throws {
        XCTAssertEqual(try loadSocket("[Socket]\nListenStream=1\nTimeoutSec=0\n").0?.timeout, .infinity)
        XCTAssertEqual(try loadSocket("[Socket]\nListenStream=1\nTimeoutSec=20\n").0?.timeout, .seconds(20))
    }

    func testStartLimitFromUnitSectionReachesTheService() throws {
        let (service, _) = try loadService("[Unit]\nStartLimitIntervalSec=30\nStartLimitBurst=2\n[Service]\nExecStart=/bin/true\n")
        XCTAssertEqual(service?.startLimitInterval, .seconds(30))
        XCTAssertEqual(service?.startLimitBurst, 2)
    }

    func testFileDescriptorNamesFollowLibsystemdRules() {
        XCTAssertTrue(FileDescriptorNames.isValid("web"))
        XCTAssertTrue(FileDescriptorNames.isValid("with space"))
        XCTAssertTrue(FileDescriptorNames.isValid(String(repeating: "n", count: 255)))
        XCTAssertFalse(FileDescriptorNames.isValid(String(repeating: "n", count: 256)))
        for bad in ["a:b", "tab\t", "", "é"] { XCTAssertFalse(FileDescriptorNames.isValid(bad), bad) }
    }
}
