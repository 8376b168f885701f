// --log-target=auto: the journal exactly when $JOURNAL_STREAM names stderr's
// device and inode (as systemd sets it for a service whose stderr is the
// journal), the console otherwise; explicit targets are taken as given.
import XCTest
import UsherSys
@testable import UsherDaemon

final class LogTargetTests: XCTestCase {
    let stderr = FileIdentity(device: 23, inode: 4711)

    func testAutoPicksTheJournalWhenJournalStreamIsStderr() {
        XCTAssertEqual(LogTarget.auto.resolved(journalStream: "23:4711", stderrIdentity: stderr), .journal)
    }

    func testAutoPicksTheConsoleWhenJournalStreamNamesAnotherFile() {
        XCTAssertEqual(LogTarget.auto.resolved(journalStream: "23:4712", stderrIdentity: stderr), .console)
        XCTAssertEqual(LogTarget.auto.resolved(journalStream: "24:4711", stderrIdentity: stderr), .console)
    }

    func testAutoPicksTheConsoleWithoutOrWithAMalformedJournalStream() {
        XCTAssertEqual(LogTarget.auto.resolved(journalStream: nil, stderrIdentity: stderr), .console)
        for malformed in ["", "23", "23:", ":4711", "23:4711:1", "x:y", "-1:4711"] {
            XCTAssertEqual(LogTarget.auto.resolved(journalStream: malformed, stderrIdentity: stderr), .console, malformed)
        }
    }

    func testAutoPicksTheConsoleWhenStderrIsClosed() {
        XCTAssertEqual(LogTarget.auto.resolved(journalStream: "23:4711", stderrIdentity: nil), .console)
    }

    func testExplicitTargetsAreKeptWhateverJournalStreamSays() {
        for target in [LogTarget.console, .journal, .syslog] {
            XCTAssertEqual(target.resolved(journalStream: "23:4711", stderrIdentity: stderr), target)
            XCTAssertEqual(target.resolved(journalStream: nil, stderrIdentity: nil), target)
        }
    }
}
