// usherctl enable/disable/is-enabled on a real directory: the links systemctl
// would create from [Install] (WantedBy=, RequiredBy=, Alias=, Also=,
// DefaultInstance=), the states is-enabled prints, and the start-up list.
import Foundation
import UnitModel
import XCTest
@testable import UnitFile

final class EnablementTests: XCTestCase {
    private let sshService = "[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\nAlias=sshd.service\n"

    func testEnableLinksWantedByAndAliasAndDisableRemovesThem() throws {
        let dir = try UnitDirectory()
        let file = try dir.write("ssh.service", sshService)
        let enablement = Enablement(loader: dir.loader)
        XCTAssertEqual(enablement.state(UnitName("ssh.service")), .disabled)

        let changes = try enablement.enable([UnitName("ssh.service")])
        XCTAssertEqual(changes.map(\.description), [
            "Created symlink \(dir.path)/multi-user.target.wants/ssh.service → \(file).",
            "Created symlink \(dir.path)/sshd.service → \(file).",
        ])
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: dir.path + "/multi-user.target.wants/ssh.service"), file)
        XCTAssertEqual(enablement.state(UnitName("ssh.service")), .enabled)
        XCTAssertEqual(enablement.state(UnitName("sshd.service")), .alias)
        XCTAssertEqual(dir.loader.loadAll().enabledServices, [UnitName("ssh.service")])
        XCTAssertEqual(try enablement.enable([UnitName("ssh.service")]), [], "enabling again changes nothing")

        let removed = try enablement.disable([UnitName("ssh.service")])
        XCTAssertEqual(removed.map(\.description), ["Removed \"\(dir.path)/multi-user.target.wants/ssh.service\".",
                                                    "Removed \"\(dir.path)/sshd.service\"."])
        XCTAssertEqual(enablement.state(UnitName("ssh.service")), .disabled)
        XCTAssertEqual(dir.loader.loadAll().enabledServices, [])
    }

    func testStaticIndirectMaskedAndMissingStates() throws {
        let dir = try UnitDirectory()
        try dir.write("plain.service", "[Service]\nExecStart=/bin/true\n")
        try dir.write("front.socket", "[Socket]\nListenStream=9\n[Install]\nAlso=front.service\n")
        try dir.write("front.service", "[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n")
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/gone.service", withDestinationPath: "/dev/null")
        let enablement = Enablement(loader: dir.loader)
        XCTAssertEqual(enablement.state(UnitName("plain.service")), .static)
        XCTAssertEqual(enablement.state(UnitName("front.socket")), .indirect)
        XCTAssertEqual(enablement.state(UnitName("gone.service")), .masked)
        XCTAssertNil(enablement.state(UnitName("nothere.service")))
        XCTAssertEqual(try enablement.enable([UnitName("plain.service")]), [])

        let changes = try enablement.enable([UnitName("front.socket")])
        XCTAssertEqual(changes.map(\.path), [dir.path + "/multi-user.target.wants/front.service"], "Also= follows")
        XCTAssertThrowsError(try enablement.enable([UnitName("gone.service")])) { error in
            XCTAssertTrue("\(error)".contains("is masked"), "\(error)")
        }
    }

    func testATemplateIsEnabledThroughItsDefaultInstanceAndRequiredByGoesToRequires() throws {
        let dir = try UnitDirectory()
        let file = try dir.write("getty@.service", """
            [Service]
            ExecStart=/bin/true %i
            [Install]
            RequiredBy=graphical.target
            DefaultInstance=tty1
            """)
        let changes = try Enablement(loader: dir.loader).enable([UnitName("getty@.service")])
        XCTAssertEqual(changes, [InstallChange(kind: .symlink, path: dir.path + "/graphical.target.requires/getty@tty1.service",
                                               source: file)])
        XCTAssertEqual(dir.loader.loadAll().enabledServices, [UnitName("getty@tty1.service")])
        XCTAssertEqual(Enablement(loader: dir.loader).state(UnitName("getty@.service")), .enabled)
    }

    func testALinkToAnotherFileIsRefusedNotReplaced() throws {
        let dir = try UnitDirectory()
        try dir.write("ssh.service", sshService)
        try FileManager.default.createDirectory(atPath: dir.path + "/multi-user.target.wants", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/multi-user.target.wants/ssh.service",
                                                   withDestinationPath: "/elsewhere/ssh.service")
        XCTAssertThrowsError(try Enablement(loader: dir.loader).enable([UnitName("ssh.service")])) { error in
            XCTAssertTrue("\(error)".contains("already exists and is a symlink to /elsewhere/ssh.service"), "\(error)")
        }
    }
}
