// DynamicUser= uid bookkeeping: one uid per name while any owner holds it,
// distinct uids for distinct names, claim files that come and go with the
// holders, stale claims cleared, and a uid that is claimed elsewhere skipped.
import Foundation
import Launch
import XCTest

final class DynamicUsersTests: XCTestCase {
    func claimsDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "usher-dyn-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func testANameKeepsItsUidUntilItsLastOwnerReleasesIt() throws {
        let claims = try claimsDirectory()
        let users = DynamicUsers()
        users.setClaimsDirectory(claims)
        let first = try users.acquire(name: "web", owner: "web.service")
        let again = try users.acquire(name: "web", owner: "web-template")
        XCTAssertEqual(first, again)
        XCTAssertTrue(DynamicUsers.range.contains(first.uid))
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(claims)/\(first.uid)"))
        users.release(owner: "web.service")
        XCTAssertEqual(users.allocated, ["web": first.uid])
        users.release(owner: "web-template")
        XCTAssertEqual(users.allocated, [:])
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(claims)/\(first.uid)"))
    }

    func testDistinctNamesGetDistinctUids() throws {
        let users = DynamicUsers()
        users.setClaimsDirectory(try claimsDirectory())
        let uids = try (0..<50).map { try users.acquire(name: "svc\($0)", owner: "svc\($0).service").uid }
        XCTAssertEqual(Set(uids).count, 50)
    }

    func testAUidClaimedByAnotherFileIsSkippedAndStaleClaimsAreClearedAtStart() throws {
        let claims = try claimsDirectory()
        let users = DynamicUsers()
        users.setClaimsDirectory(claims)
        let first = try users.acquire(name: "cache", owner: "a")
        users.release(owner: "a")
        // Claimed behind our back: the same name must now get another uid.
        XCTAssertTrue(FileManager.default.createFile(atPath: "\(claims)/\(first.uid)", contents: nil))
        let second = try users.acquire(name: "cache", owner: "b")
        XCTAssertNotEqual(first.uid, second.uid)
        // A new usherd on the same runtime directory finds only stale claims.
        let restarted = DynamicUsers()
        restarted.setClaimsDirectory(claims)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: claims), [])
    }
}
