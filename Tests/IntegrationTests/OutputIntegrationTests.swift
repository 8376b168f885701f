// Where a service's stdout and stderr go under a real usherd: the log pipe by
// default (each line logged with the unit name), append:/truncate: files,
// and null.
import Foundation
import XCTest

final class OutputIntegrationTests: XCTestCase {
    func testDefaultOutputIsLoggedLineByLineWithTheUnitName() throws {
        let harness = try UsherdHarness()
        try harness.write("talk.service", """
            [Service]
            ExecStart=/bin/sh -c 'echo to-stdout; echo to-stderr >&2; printf no-newline'
            [Install]
            WantedBy=multi-user.target
            """)
        try harness.enable("talk.service")
        try harness.start()

        try harness.waitForLog("talk.service: to-stdout")
        try harness.waitForLog("talk.service: to-stderr")
        try harness.waitForLog("talk.service: no-newline")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testAppendTruncateAndNullOutputs() throws {
        let harness = try UsherdHarness()
        let appended = harness.root + "/appended.log", truncated = harness.root + "/truncated.log"
        try "old\n".write(toFile: appended, atomically: true, encoding: .utf8)
        try "old\n".write(toFile: truncated, atomically: true, encoding: .utf8)
        let script = "ExecStart=/bin/sh -c 'echo out; echo err >&2'\n[Install]\nWantedBy=multi-user.target\n"
        try harness.write("app.service", "[Service]\nStandardOutput=append:\(appended)\nStandardError=null\n\(script)")
        try harness.write("trunc.service", "[Service]\nStandardOutput=truncate:\(truncated)\n\(script)")
        try harness.enable("app.service", "trunc.service")
        try harness.start()

        try harness.waitForLog("app.service: Deactivated successfully.")
        try harness.waitForLog("trunc.service: Deactivated successfully.")
        XCTAssertEqual(try String(contentsOfFile: appended, encoding: .utf8), "old\nout\n", "stderr went to null")
        XCTAssertEqual(try String(contentsOfFile: truncated, encoding: .utf8), "out\nerr\n",
                       "stderr inherits stdout's file")
        XCTAssertFalse(harness.log.contains("app.service: out"))
        XCTAssertEqual(try harness.stop(), 0)
    }
}
