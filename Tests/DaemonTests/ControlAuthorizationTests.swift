// Who may use which control verb: read verbs for everyone; mutating verbs
// for uid 0, usherd's own uid and the admin group (primary or
// supplementary); a group that does not exist grants nothing; and the
// refusal's wording.
import XCTest
import ControlProtocol
@testable import UsherDaemon

final class ControlAuthorizationTests: XCTestCase {
    private let asUser = ControlAuthorization(ownUID: 1000, adminGroupName: "usher", adminGID: 990)
    private let asRoot = ControlAuthorization(ownUID: 0, adminGroupName: "usher", adminGID: nil)

    private func peer(uid: UInt32, gid: UInt32 = 100, groups: [UInt32] = []) -> PeerCredentials {
        PeerCredentials(pid: 42, uid: uid, gid: gid, groups: groups)
    }

    func testReadVerbsAreOpenToEveryUser() {
        for verb in ControlVerb.allCases where !verb.isMutating {
            XCTAssertNil(asUser.refusal(of: verb, by: peer(uid: 65534)), verb.rawValue)
        }
    }

    func testMutatingVerbsAreRefusedToAStranger() {
        for verb in ControlVerb.allCases where verb.isMutating {
            XCTAssertEqual(asUser.refusal(of: verb, by: peer(uid: 1001))?.kind, .accessDenied, verb.rawValue)
        }
    }

    func testRootUsherdsUidAndTheAdminGroupMayMutate() {
        XCTAssertNil(asUser.refusal(of: .stop, by: peer(uid: 0)))
        XCTAssertNil(asUser.refusal(of: .stop, by: peer(uid: 1000)))
        XCTAssertNil(asUser.refusal(of: .stop, by: peer(uid: 1001, gid: 990)))
        XCTAssertNil(asUser.refusal(of: .stop, by: peer(uid: 1001, groups: [27, 990])))
    }

    func testAdminGroupThatDoesNotExistGrantsNothing() {
        XCTAssertNotNil(asRoot.refusal(of: .restart, by: peer(uid: 1001, gid: 990, groups: [990])))
    }

    func testRefusalNamesTheVerbTheRuleAndThePeer() {
        XCTAssertEqual(asUser.refusal(of: .stop, by: peer(uid: 1001)),
                       ControlError(.accessDenied, "Access denied: 'stop' needs root, uid 1000 (usherd's) or group usher; uid 1001 is none of these"))
        XCTAssertEqual(asRoot.refusal(of: .resetFailed, by: peer(uid: 65534)),
                       ControlError(.accessDenied, "Access denied: 'reset-failed' needs root or group usher (which does not exist); uid 65534 is neither"))
    }
}
