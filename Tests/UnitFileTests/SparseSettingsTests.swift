// Sparse settings groups (UnitModel's @Sparse): a unit that leaves a group at
// its defaults holds no box for it, a change gets one and a change back drops
// it, copies stay independent, and a unit encodes and decodes exactly as it
// did with the group stored inline (usherd's re-exec state carries units).

import Foundation
import UnitModel
import XCTest

final class SparseSettingsTests: XCTestCase {
    func testAUnitLoadedWithoutExecOrSocketOptionsHoldsNoBoxForThem() throws {
        let (service, _) = try loadService("[Service]\nExecStart=/bin/cat\n")
        let (socket, _) = try loadSocket("[Socket]\nListenStream=127.0.0.1:8080\n")
        XCTAssertEqual(service?.$exec.isSet, false)
        XCTAssertEqual(socket?.$options.isSet, false)
    }

    func testAUnitThatSetsAGroupHoldsItAndReadsItsValues() throws {
        let (service, _) = try loadService("[Service]\nExecStart=/bin/cat\nUser=nobody\nPrivateTmp=yes\n")
        let (socket, _) = try loadSocket("[Socket]\nListenStream=127.0.0.1:8080\nBacklog=7\n")
        XCTAssertEqual(service?.$exec.isSet, true)
        XCTAssertEqual(service?.exec.user, "nobody")
        XCTAssertEqual(service?.exec.filesystem.privateTmp, true)
        XCTAssertEqual(service?.exec.$privileges.isSet, false)
        XCTAssertEqual(socket?.options.backlog, 7)
    }

    func testSettingAGroupBackToItsDefaultsDropsTheBox() {
        var unit = ServiceUnit(name: UnitName("a.service"))
        unit.exec.user = "nobody"
        XCTAssertTrue(unit.$exec.isSet)
        unit.exec.user = nil
        XCTAssertFalse(unit.$exec.isSet)
        XCTAssertEqual(unit, ServiceUnit(name: UnitName("a.service")))
    }

    func testACopyChangedLaterDoesNotChangeTheOriginal() {
        var original = SocketUnit(name: UnitName("a.socket"))
        original.options.backlog = 5
        var copy = original
        copy.options.backlog = 9
        copy.options.symlinks.append("/run/a")
        XCTAssertEqual(original.options.backlog, 5)
        XCTAssertEqual(original.options.symlinks, [])
        XCTAssertEqual(copy.options.backlog, 9)
        XCTAssertNotEqual(original, copy)
    }

    func testAUnitEncodesItsGroupsAsPlainNestedValuesAndDecodesBack() throws {
        var unit = ServiceUnit(name: UnitName("a.service"))
        unit.exec.group = "adm"
        unit.exec.privileges.noNewPrivileges = true
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(unit), as: UTF8.self)
        let exec = String(decoding: try encoder.encode(unit.exec), as: UTF8.self)
        let privileges = String(decoding: try encoder.encode(unit.exec.privileges), as: UTF8.self)
        XCTAssertTrue(json.contains("\"exec\":\(exec)"), json)
        XCTAssertTrue(exec.contains("\"privileges\":\(privileges)"), exec)
        let decoded = try JSONDecoder().decode(ServiceUnit.self, from: Data(json.utf8))
        XCTAssertEqual(decoded, unit)
        XCTAssertEqual(decoded.exec.group, "adm")
        let plain = try JSONDecoder().decode(ServiceUnit.self, from: try encoder.encode(ServiceUnit(name: UnitName("a.service"))))
        XCTAssertFalse(plain.$exec.isSet)
    }
}
