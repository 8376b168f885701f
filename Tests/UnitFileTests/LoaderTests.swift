// The loader's systemd rules on real temp directories: search-path
// precedence, masking (empty file, /dev/null link), aliases, drop-ins
// (NAME.d, template, type-wide, file-name order, override by name), templates
// and instances, loadAll's bookkeeping, and `cat`'s file order.

import Foundation
import UnitModel
import XCTest
@testable import UnitFile

final class LoaderTests: XCTestCase {
    let service = "[Service]\nExecStart=/bin/true\n"

    func testEarlierDirectoryWinsOverLaterOne() throws {
        let high = try UnitDirectory(), low = try UnitDirectory()
        try high.write("a.service", "[Service]\nExecStart=/bin/high\n")
        try low.write("a.service", "[Service]\nExecStart=/bin/low\n")
        let loader = UnitLoader(directories: [high.path, low.path], specifiers: .fixture)
        XCTAssertEqual(loader.loadService(UnitName("a.service")).0?.execStart.first?.path, "/bin/high")
    }

    func testEmptyFileAndDevNullLinkMaskAUnit() throws {
        let dir = try UnitDirectory()
        try dir.write("empty.service", "")
        try dir.symlink("null.service", to: "/dev/null")
        try dir.write("real.service", service)
        let set = dir.loader.loadAll()
        XCTAssertEqual(set.masked.map(\.full).sorted(), ["empty.service", "null.service"])
        XCTAssertEqual(set.services.map(\.name.full), ["real.service"])
        XCTAssertEqual(dir.loader.loadService(UnitName("null.service")).1.map(\.text), ["null.service: Unit null.service is masked."])
    }

    func testMaskInHigherDirectoryHidesLowerUnit() throws {
        let high = try UnitDirectory(), low = try UnitDirectory()
        try high.symlink("a.service", to: "/dev/null")
        try low.write("a.service", service)
        let set = UnitLoader(directories: [high.path, low.path], specifiers: .fixture).loadAll()
        XCTAssertEqual(set.masked.map(\.full), ["a.service"])
        XCTAssertTrue(set.services.isEmpty)
    }

    func testSymlinkToAnotherUnitIsAnAliasLoadedUnderTheRealName() throws {
        let dir = try UnitDirectory()
        try dir.write("real.service", service)
        try dir.symlink("alias.service", to: "real.service")
        XCTAssertEqual(dir.loader.loadService(UnitName("alias.service")).0?.name.full, "real.service")
        XCTAssertEqual(dir.loader.loadAll().services.map(\.name.full), ["real.service"])
    }

    func testInstanceSymlinkToTemplateLoadsAsThatInstance() throws {
        let dir = try UnitDirectory()
        try dir.write("getty@.service", "[Service]\nExecStart=/sbin/agetty %I\n")
        try dir.symlink("getty@tty1.service", to: "getty@.service")
        let set = dir.loader.loadAll()
        XCTAssertEqual(set.services.map(\.name.full), ["getty@tty1.service"])
        XCTAssertEqual(set.services.first?.execStart.first?.arguments, ["/sbin/agetty", "tty1"])
    }

    func testStripesRunInAnyOrderAndTheSetKeepsTheSearchPathOrder() throws {
        let dir = try UnitDirectory()
        for name in ["e", "a", "d", "b", "c"] { try dir.write("\(name).service", service) }
        try dir.write("broken.service", "[Service]\nBogus=1\n")
        let backwards: UnitLoader.StripeRunner = { count, body in
            for stripe in (0..<count).reversed() { body(stripe) }
        }
        let set = dir.loader.loadAll(run: backwards)
        XCTAssertEqual(set.services.map(\.name.full), dir.loader.loadAll().services.map(\.name.full))
        XCTAssertEqual(set.diagnostics.map(\.text), dir.loader.loadAll().diagnostics.map(\.text))
        XCTAssertEqual(set.services.count, 5)
        XCTAssertFalse(set.diagnostics.isEmpty)
    }

    func testMissingUnitIsReported() throws {
        let dir = try UnitDirectory()
        let (unit, diagnostics) = dir.loader.loadSocket(UnitName("ghost.socket"))
        XCTAssertNil(unit)
        XCTAssertEqual(diagnostics.map(\.text), ["ghost.socket: Unit ghost.socket not found."])
    }

    func testDropInsApplyInFileNameOrderAcrossDirectoriesAndTypeWide() throws {
        let high = try UnitDirectory(), low = try UnitDirectory()
        try low.write("web.socket", "[Socket]\nListenStream=1\n")
        try low.write("web.socket.d/20-b.conf", "[Socket]\nBacklog=20\n")
        try high.write("web.socket.d/10-a.conf", "[Socket]\nBacklog=10\nListenStream=2\n")
        try low.write("socket.d/15-all.conf", "[Socket]\nBacklog=15\nNoDelay=yes\n")
        try high.write("web.socket.d/30-c.conf", "[Socket]\nKeepAlive=yes\n")
        try low.write("web.socket.d/30-c.conf", "[Socket]\nKeepAlive=no\nMark=3\n")
        let loader = UnitLoader(directories: [high.path, low.path], specifiers: .fixture)
        let socket = try XCTUnwrap(loader.loadSocket(UnitName("web.socket")).0)
        XCTAssertEqual(socket.options.backlog, 20)
        XCTAssertTrue(socket.options.noDelay)
        XCTAssertTrue(socket.options.keepAlive, "the higher directory's 30-c.conf replaces the lower one")
        XCTAssertNil(socket.options.mark)
        XCTAssertEqual(socket.listens.map(\.text), ["1", "2"])
        XCTAssertEqual(loader.sourceFiles(UnitName("web.socket")).map { ($0 as NSString).lastPathComponent },
                       ["web.socket", "10-a.conf", "15-all.conf", "20-b.conf", "30-c.conf"])
    }

    func testInstanceUsesTemplateWithBothDropInDirectoriesAndExpandsSpecifiers() throws {
        let dir = try UnitDirectory()
        try dir.write("echo@.service", "[Service]\nExecStart=/bin/echo %i %I\n")
        try dir.write("echo@.service.d/a.conf", "[Service]\nEnvironment=WHO=%i\n")
        try dir.write("echo@x-y.service.d/b.conf", "[Service]\nEnvironment=ONLY=x-y\n")
        let unit = try XCTUnwrap(dir.loader.loadService(UnitName("echo@x-y.service")).0)
        XCTAssertEqual(unit.name.full, "echo@x-y.service")
        XCTAssertEqual(unit.execStart.first?.arguments, ["/bin/echo", "x-y", "x/y"])
        XCTAssertEqual(unit.exec.environment.map { "\($0.0)=\($0.1)" }, ["WHO=x-y", "ONLY=x-y"])
    }

    func testDashedPrefixDropInsApplyAndTheMoreSpecificDirectoryWinsAFileName() throws {
        let dir = try UnitDirectory()
        try dir.write("foo-bar-baz.service", service)
        try dir.write("foo-.service.d/10-all.conf", "[Service]\nEnvironment=ALL=foo\n")
        try dir.write("foo-bar-.service.d/20-bar.conf", "[Service]\nEnvironment=BAR=bar\n")
        try dir.write("foo-.service.d/50-same.conf", "[Service]\nEnvironment=SAME=generic\n")
        try dir.write("foo-bar-baz.service.d/50-same.conf", "[Service]\nEnvironment=SAME=specific\n")
        try dir.write("foo-x.service.d/60-other.conf", "[Service]\nEnvironment=OTHER=1\n")
        let unit = try XCTUnwrap(dir.loader.loadService(UnitName("foo-bar-baz.service")).0)
        XCTAssertEqual(unit.exec.environment.map { "\($0.0)=\($0.1)" }, ["ALL=foo", "BAR=bar", "SAME=specific"])
    }

    func testDropInNamesFollowSystemdsOrderForADashedInstance() {
        XCTAssertEqual(DropInNames.chain(for: UnitName("foo-a@x.service")),
                       ["foo-a@x.service.d", "foo-a@.service.d", "foo-.service.d", "foo-@x.service.d", "foo-@.service.d"])
        XCTAssertEqual(DropInNames.chain(for: UnitName("a-b-c.socket")), ["a-b-c.socket.d", "a-b-.socket.d", "a-.socket.d"])
        XCTAssertEqual(DropInNames.chain(for: UnitName("-lead.service")), ["-lead.service.d"])
    }

    func testAHigherSearchDirectoryWinsAFileNameOverAMoreSpecificLowerOne() throws {
        let high = try UnitDirectory(), low = try UnitDirectory()
        try low.write("web-a.socket", "[Socket]\nListenStream=1\n")
        try high.write("web-.socket.d/50.conf", "[Socket]\nBacklog=7\n")
        try low.write("web-a.socket.d/50.conf", "[Socket]\nBacklog=9\n")
        let loader = UnitLoader(directories: [high.path, low.path], specifiers: .fixture)
        XCTAssertEqual(try XCTUnwrap(loader.loadSocket(UnitName("web-a.socket")).0).options.backlog, 7)
    }

    func testTemplateInstantiatesWithoutTouchingTheDisk() throws {
        let dir = try UnitDirectory()
        try dir.write("conn@.service", "[Service]\nStandardInput=socket\nExecStart=/bin/cat %i\n")
        let (template, diagnostics) = dir.loader.loadTemplate(UnitName("conn@.service"))
        XCTAssertTrue(diagnostics.isEmpty)
        try FileManager.default.removeItem(atPath: dir.path + "/conn@.service")
        let (unit, _) = try XCTUnwrap(template).instantiate("0-127.0.0.1:80-127.0.0.1:5555")
        XCTAssertEqual(unit?.name.full, "conn@0-127.0.0.1:80-127.0.0.1:5555.service")
        XCTAssertEqual(unit?.execStart.first?.arguments, ["/bin/cat", "0-127.0.0.1:80-127.0.0.1:5555"])
        XCTAssertEqual(unit?.exec.standardInput, .socket)
    }

    func testLoadAllSkipsTemplatesAndKeepsGoingPastBrokenUnits() throws {
        let dir = try UnitDirectory()
        try dir.write("a@.service", service)
        try dir.write("broken.service", "[Service]\nType=simple\n")
        try dir.write("fine.socket", "[Socket]\nListenStream=127.0.0.1:9\n")
        try dir.write("fine.service", service)
        let set = dir.loader.loadAll()
        XCTAssertEqual(set.sockets.map(\.name.full), ["fine.socket"])
        XCTAssertEqual(set.services.map(\.name.full), ["fine.service"])
        XCTAssertEqual(set.refused.map(\.full), ["broken.service"])
        XCTAssertEqual(set.diagnostics.map(\.text),
                       ["broken.service: Service has no ExecStart=, ExecStop=, or SuccessAction=. Refusing."])
    }

    func testLoadAllReportsASocketWhoseServiceIsMissing() throws {
        let dir = try UnitDirectory()
        try dir.write("lonely.socket", "[Socket]\nListenStream=127.0.0.1:9\n")
        let set = dir.loader.loadAll()
        XCTAssertEqual(set.sockets.count, 1)
        XCTAssertEqual(set.diagnostics.map(\.text), ["lonely.socket: service lonely.service not loaded, socket cannot be started."])
    }

    func testCatHeadsEachFileWithItsPath() throws {
        let dir = try UnitDirectory()
        let main = try dir.write("c.service", service)
        let dropIn = try dir.write("c.service.d/x.conf", "[Service]\nNice=1")
        XCTAssertEqual(dir.loader.cat(UnitName("c.service")), "# \(main)\n\(service)\n# \(dropIn)\n[Service]\nNice=1\n")
    }

    func testVerifyFailsOnlyForRefusedOrMissingUnits() throws {
        let dir = try UnitDirectory()
        try dir.write("warn.service", "[Service]\nExecStart=/bin/true\nFooBar=1\n")
        try dir.write("bad.service", "[Service]\nType=simple\n")
        XCTAssertFalse(dir.loader.verify([UnitName("warn.service")]).failed)
        XCTAssertTrue(dir.loader.verify([UnitName("bad.service")]).failed)
        XCTAssertTrue(dir.loader.verify([UnitName("none.service")]).failed)
    }

    func testPathArgumentsPutTheirDirectoryFirst() throws {
        let dir = try UnitDirectory()
        let path = try dir.write("p.service", service)
        let (loader, names) = UnitLoader.forArguments([path, "q.socket"], directories: ["/nonexistent"], specifiers: .fixture)
        XCTAssertEqual(loader.directories, [dir.path, "/nonexistent"])
        XCTAssertEqual(names.map(\.full), ["p.service", "q.socket"])
    }

    func testUserSearchPathFollowsXDGVariables() {
        let dirs = UnitSearchPath.defaults(userManager: true, environment: ["HOME": "/home/u", "XDG_RUNTIME_DIR": "/run/user/1000"])
        XCTAssertEqual(dirs, ["/home/u/.config/usher/units", "/run/user/1000/usher/units", "/home/u/.local/share/usher/units"])
        XCTAssertEqual(UnitSearchPath.defaults(userManager: false), ["/etc/usher/units", "/run/usher/units", "/usr/lib/usher/units"])
    }
}
