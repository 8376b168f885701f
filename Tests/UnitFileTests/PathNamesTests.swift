// The path helpers UnitFile uses instead of NSString's give NSString's answers
// for the paths units, drop-ins and include files have.

import Foundation
import XCTest
@testable import UnitFile

final class PathNamesTests: XCTestCase {
    // Not "", "a/" (swift-corelibs-foundation's NSString traps on them) nor "//"
    // (NSString makes its parent "").
    let paths = ["/etc/usher/units/web.socket", "/etc/usher/units/", "/etc", "/", "web.socket",
                 "units/web.socket", "./web.socket", "../units/web.socket", "/etc//units//web.socket"]

    func testDeletingLastPathComponentMatchesNSString() {
        for path in paths {
            XCTAssertEqual(path.deletingLastPathComponent, (path as NSString).deletingLastPathComponent, path)
        }
    }

    func testLastPathComponentMatchesNSString() {
        for path in paths {
            XCTAssertEqual(path.lastPathComponent, (path as NSString).lastPathComponent, path)
        }
    }
}
