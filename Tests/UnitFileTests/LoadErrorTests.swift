// Unit files that cannot be loaded are load errors naming the errno and the
// path, never masks, and never skipped silently: a two-file symlink loop, a
// dangling symlink, a directory named like a unit. A real mask (/dev/null,
// directly or through another link, or an empty file) is still a mask.

import Foundation
import UnitModel
import XCTest
@testable import UnitFile

final class LoadErrorTests: XCTestCase {
    private let service = "[Service]\nExecStart=/bin/true\n"

    private func loadError(_ dir: UnitDirectory, _ name: String, _ reason: String) -> String {
        "\(name): Failed to load configuration for \(name): \(reason) (\(dir.path)/\(name))"
    }

    func testTwoFileSymlinkLoopIsALoadErrorForBothNames() throws {
        let dir = try UnitDirectory()
        try dir.symlink("a.service", to: "b.service")
        try dir.symlink("b.service", to: "a.service")
        try dir.write("good.service", service)
        let set = dir.loader.loadAll()
        XCTAssertEqual(set.masked, [])
        XCTAssertEqual(set.refused.map(\.full), ["a.service", "b.service"])
        XCTAssertEqual(set.services.map(\.name.full), ["good.service"])
        XCTAssertEqual(set.diagnostics.map(\.text), [loadError(dir, "a.service", "Too many levels of symbolic links"),
                                                     loadError(dir, "b.service", "Too many levels of symbolic links")])
        XCTAssertEqual(set.diagnostics.map(\.file), [dir.path + "/a.service", dir.path + "/b.service"])
    }

    func testDanglingSymlinkIsALoadErrorNamingENOENT() throws {
        let dir = try UnitDirectory()
        try dir.symlink("gone.service", to: "/nonexistent/usher-test/gone.service")
        try dir.symlink("alias.socket", to: "/nonexistent/usher-test/real.socket")
        let set = dir.loader.loadAll()
        XCTAssertEqual(set.masked, [])
        XCTAssertEqual(set.refused.map(\.full).sorted(), ["alias.socket", "gone.service"])
        XCTAssertEqual(dir.loader.loadService(UnitName("gone.service")).1.map(\.text),
                       [loadError(dir, "gone.service", "No such file or directory")])
        XCTAssertEqual(dir.loader.loadSocket(UnitName("alias.socket")).1.map(\.text),
                       [loadError(dir, "alias.socket", "No such file or directory")])
    }

    func testDirectoryNamedLikeAUnitIsALoadErrorNamingEISDIR() throws {
        let dir = try UnitDirectory()
        try FileManager.default.createDirectory(atPath: dir.path + "/x.service", withIntermediateDirectories: false)
        let set = dir.loader.loadAll()
        XCTAssertEqual(set.masked, [])
        XCTAssertEqual(set.refused.map(\.full), ["x.service"])
        XCTAssertEqual(set.diagnostics.map(\.text), [loadError(dir, "x.service", "Is a directory")])
    }

    func testDevNullLinksAndEmptyFilesAreStillMasks() throws {
        let dir = try UnitDirectory()
        try dir.symlink("null.service", to: "/dev/null")
        try dir.symlink("chained.service", to: "null.service")
        try dir.write("empty.socket", "")
        let set = dir.loader.loadAll()
        XCTAssertEqual(set.masked.map(\.full).sorted(), ["chained.service", "empty.socket", "null.service"])
        XCTAssertEqual(set.refused, [])
        XCTAssertEqual(dir.loader.loadService(UnitName("chained.service")).1.map(\.text),
                       ["chained.service: Unit chained.service is masked."])
    }

    func testTemplatesAndInstancesReportTheLoadErrorToo() throws {
        let dir = try UnitDirectory()
        try dir.symlink("loop@.service", to: "loop@.service")
        XCTAssertEqual(dir.loader.loadTemplate(UnitName("loop@.service")).1.map(\.text),
                       [loadError(dir, "loop@.service", "Too many levels of symbolic links")])
        XCTAssertNil(dir.loader.loadService(UnitName("loop@1.service")).0)
        XCTAssertEqual(dir.loader.cat(UnitName("loop@.service")), nil)
    }

    func testVerifyFailsWithTheErrnoAndNeverSaysMasked() throws {
        let dir = try UnitDirectory()
        try dir.symlink("a.socket", to: "b.socket")
        try dir.symlink("b.socket", to: "a.socket")
        let outcome = dir.loader.verify([UnitName("a.socket")])
        XCTAssertTrue(outcome.failed)
        XCTAssertEqual(outcome.diagnostics.map(\.text), [loadError(dir, "a.socket", "Too many levels of symbolic links")])
    }
}
