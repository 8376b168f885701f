// A service's fd store under a real usherd, with usher-probe as the client:
// fds stored with FDSTORE=1 come back after a restart under their FDNAME=, a
// stored pipe whose writer went away is dropped unless FDPOLL=0, the store is
// capped at FileDescriptorStoreMax=, shown by status, released on stop, and
// passed after the socket fds.
import XCTest
import UsherSys

final class FDStoreIntegrationTests: XCTestCase {
    private func keeper(_ harness: UsherdHarness, restart: String, flags: String) -> String {
        """
        [Unit]
        StartLimitIntervalSec=0
        [Service]
        NotifyAccess=main
        FileDescriptorStoreMax=3
        \(restart)
        RestartSec=300ms
        ExecStart=\(harness.probeCommand(label: "keeper", "--no-serve \(flags)"))
        [Install]
        WantedBy=multi-user.target
        """
    }

    func testStoredFDsComeBackAfterARestartHungUpOnesAreDroppedUnlessFDPOLL0AndTheCapHolds() throws {
        let harness = try UsherdHarness()
        let stores = "--store-file keep --store-pipe hup --store-pipe-nopoll quiet --store-file extra"
        try harness.write("keeper.service", keeper(harness, restart: "Restart=on-failure",
                                                   flags: "\(stores) --hold-ms 1500 --exit-code 1"))
        try harness.enable("keeper.service")
        try harness.start()

        try harness.waitForLog("keeper.service: Cannot store more fds than FileDescriptorStoreMax=3, closing remaining.")
        try harness.waitForLog("keeper.service: Received EPOLLHUP on stored fd", timeout: 15)
        try eventually("the restarted keeper to report", timeout: 15) {
            harness.reports(label: "keeper").contains { ($0["sd_listen_fds"] as? Int) == 2 }
        }
        let second = try XCTUnwrap(harness.reports(label: "keeper").first { ($0["sd_listen_fds"] as? Int) == 2 })
        XCTAssertEqual(second["sd_listen_fds_names"] as? [String], ["keep", "quiet"],
                       "the hung-up pipe was dropped, the FDPOLL=0 one kept, the fourth refused")
        XCTAssertEqual(second["LISTEN_FDNAMES"] as? String, "keep:quiet")
        XCTAssertEqual((second["stored_contents"] as? [String: String])?["keep"], "keep", "the very same file came back")
        try eventually("the store to hold keep, quiet and the new hup", timeout: 10) {
            (try? harness.usherctl(["status", "keeper.service"]).output.contains("FD Store: 3 (limit: 3)")) ?? false
        }

        XCTAssertEqual(try harness.usherctl(["stop", "keeper.service"]).status, 0)
        let status = try harness.usherctl(["status", "keeper.service"]).output
        XCTAssertTrue(status.contains("FD Store: 0 (limit: 3)"), "a service stopped for good releases its store: \(status)")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testAnAdminRestartKeepsTheStoreAndFDSTOREREMOVEDropsByName() throws {
        let harness = try UsherdHarness()
        let flags = "--store-file first --store-file gone --store-remove gone --hold-ms 60000"
        try harness.write("keeper.service", keeper(harness, restart: "", flags: flags))
        try harness.enable("keeper.service")
        try harness.start()
        try harness.waitForLog("keeper.service: Removed 1 fd(s) named gone from the fd store.")
        try eventually("the store to hold one fd", timeout: 10) {
            (try? harness.usherctl(["status", "keeper.service"]).output.contains("FD Store: 1 (limit: 3)")) ?? false
        }

        XCTAssertEqual(try harness.usherctl(["restart", "keeper.service"]).status, 0)
        try eventually("the restarted keeper to report", timeout: 15) {
            harness.reports(label: "keeper").contains { ($0["sd_listen_fds_names"] as? [String]) == ["first"] }
        }
        let show = try harness.usherctl(["show", "--unit-dir", harness.unitDirectory, "keeper.service"]).output
        XCTAssertTrue(show.contains("NFileDescriptorStore=1"), show)
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testFDsFromAProcessNotifyAccessRefusesAreNotStored() throws {
        let harness = try UsherdHarness()
        let probe = harness.probeCommand(label: "child", "--no-serve --store-file x --hold-ms 60000")
        try harness.write("closed.service", """
            [Service]
            FileDescriptorStoreMax=3
            NotifyAccess=main
            ExecStart=/bin/sh -c '\(probe); true'
            [Install]
            WantedBy=multi-user.target
            """)
        try harness.enable("closed.service")
        try harness.start()
        try harness.waitForLog("closed.service: Got notification message from PID")
        XCTAssertTrue(harness.log.contains("but reception only permitted for main PID"), harness.log)
        XCTAssertTrue(try harness.usherctl(["status", "closed.service"]).output.contains("FD Store: 0 (limit: 3)"))
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testStoredFDsComeAfterTheSocketFDsOfASocketActivatedService() throws {
        let harness = try UsherdHarness()
        let port = try harness.serve("keeper", service: keeper(harness, restart: "Restart=on-failure",
                                                               flags: "--store-file keep --hold-ms 300 --exit-code 1"))
        let trigger = try Client.connectOnly(port: port)
        try eventually("the restarted keeper to report", timeout: 15) {
            harness.reports(label: "keeper").contains { ($0["sd_listen_fds"] as? Int) == 2 }
        }
        let second = try XCTUnwrap(harness.reports(label: "keeper").first { ($0["sd_listen_fds"] as? Int) == 2 })
        XCTAssertEqual(second["LISTEN_FDNAMES"] as? String, "keeper.socket:keep", "the socket's fd first, then the stored one")
        XCTAssertEqual((second["stored_contents"] as? [String: String])?["keep"], "keep")
        trigger.close()
        XCTAssertEqual(try harness.stop(), 0)
    }
}
