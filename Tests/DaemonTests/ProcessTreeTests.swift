// What usherd reads from /proc to find leftovers: the pid list of a children
// file (as the kernel writes it: "12 34 ", or nothing) parsed without
// allocating strings, and the main thread's children file re-read in place.
import XCTest
@testable import UsherSys

final class ProcessTreeTests: XCTestCase {
    func testChildrenFileTextParsesIntoPids() {
        XCTAssertEqual(ProcessTree.pids(in: Array("12 345 6789 ".utf8)[...]), [12, 345, 6789])
        XCTAssertEqual(ProcessTree.pids(in: Array("42".utf8)[...]), [42])
        XCTAssertEqual(ProcessTree.pids(in: [][...]), [])
        XCTAssertEqual(ProcessTree.pids(in: Array(" \n".utf8)[...]), [])
    }

    func testChildrenFileCanBeReadAgainAndAgain() {
        let file = ChildrenFile()
        let first = file.read()
        XCTAssertEqual(file.read(), first, "pread at offset 0 regenerates the same list")
        XCTAssertFalse(first.contains(Processes.currentPID))
    }
}
