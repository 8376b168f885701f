// The [Service] keys of the service lifecycle read as systemd 252 reads them:
// PIDFile= (absolute, /var/run/ moved to /run/), GuessMainPID=,
// RestartForceExitStatus= and SuccessExitStatus= in every form, the kill
// signals and SendSIGHUP=, and Type=oneshot's disabled start timeout.
import XCTest
import UnitModel
@testable import UnitFile

final class LifecycleKeyTests: XCTestCase {
    func testForkingKeysAndKillSignalsAreRead() throws {
        let (service, diagnostics) = try loadService("""
            [Service]
            Type=forking
            PIDFile=/var/run/gpsd.pid
            GuessMainPID=no
            ExecStart=/bin/true
            SendSIGHUP=yes
            FinalKillSignal=SIGQUIT
            WatchdogSignal=USR2
            RestartKillSignal=HUP
            """)
        XCTAssertEqual(service?.pidFile, "/run/gpsd.pid")
        XCTAssertEqual(service?.guessMainPID, false)
        XCTAssertEqual(service?.kill.sendSIGHUP, true)
        XCTAssertEqual(service?.kill.finalKillSignal, 3)
        XCTAssertEqual(service?.kill.watchdogSignal, 12)
        XCTAssertEqual(service?.kill.restartKillSignal, 1)
        XCTAssertTrue(diagnostics.contains { $0.contains("PIDFile= references a path below legacy directory /var/run/") },
                      "\(diagnostics)")
    }

    func testRelativePIDFileIsIgnoredWithAWarning() throws {
        let (service, diagnostics) = try loadService("[Service]\nPIDFile=run/x.pid\nExecStart=/bin/true\n")
        XCTAssertNil(service?.pidFile)
        XCTAssertTrue(diagnostics.contains { $0.hasSuffix("PIDFile= path is not absolute, ignoring: run/x.pid") }, "\(diagnostics)")
    }

    func testExitStatusListsTakeNumbersExitStatusNamesAndSignals() throws {
        let (service, diagnostics) = try loadService("""
            [Service]
            ExecStart=/bin/true
            SuccessExitStatus=3 TEMPFAIL SIGUSR1 HUP
            RestartForceExitStatus=42 SIGTERM
            RestartForceExitStatus=NOPERMISSION
            """)
        XCTAssertEqual(service?.successExitStatus, [3, 75])
        XCTAssertEqual(service?.successExitSignals, [10, 1])
        XCTAssertEqual(service?.restartForceExitStatus, [42, 4])
        XCTAssertEqual(service?.restartForceExitSignals, [15])
        XCTAssertEqual(diagnostics.filter { $0.contains("ignoring") }, [])
    }

    func testOneshotHasNoStartTimeoutUnlessOneIsWritten() throws {
        let (plain, _) = try loadService("[Service]\nType=oneshot\nExecStart=/bin/true\n")
        XCTAssertEqual(plain?.timeoutStartSec, .infinity)
        let (explicit, _) = try loadService("[Service]\nType=oneshot\nTimeoutSec=5\nExecStart=/bin/true\n")
        XCTAssertEqual(explicit?.timeoutStartSec, .seconds(5))
        let (simple, _) = try loadService("[Service]\nExecStart=/bin/true\n")
        XCTAssertEqual(simple?.timeoutStartSec, .seconds(90))
    }
}
