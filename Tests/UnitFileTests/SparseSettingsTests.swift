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

    func testOnlyAFilesystemKeyThatImpliesSystemCallsGivesThePrivilegesABox() throws {
        let (plain, _) = try loadService("[Service]\nExecStart=/bin/cat\nPrivateTmp=yes\nProtectSystem=full\n")
        let (devices, _) = try loadService("[Service]\nExecStart=/bin/cat\nPrivateDevices=yes\n")
        XCTAssertEqual(plain?.exec.$filesystem.isSet, true)
        XCTAssertEqual(plain?.exec.$privileges.isSet, false)
        XCTAssertEqual(devices?.exec.$privileges.isSet, true)
        XCTAssertEqual(devices?.exec.privileges.denyRawIOCalls, true)
    }

    func testWritingTheDefaultsIntoAGroupAtItsDefaultsLeavesNoBox() {
        var unit = ServiceUnit(name: UnitName("a.service"))
        unit.exec.privileges.denyRawIOCalls = false
        unit.exec.user = nil
        XCTAssertFalse(unit.$exec.isSet)
        unit.exec.privileges.denyRawIOCalls = true
        XCTAssertTrue(unit.$exec.isSet)
        XCTAssertTrue(unit.exec.$privileges.isSet)
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

    func testUnitSectionKeepsItsSettingsAtTheTopLevelWhenEncoded() throws {
        let (service, _) = try loadService("[Unit]\nDescription=d\nAfter=b.service\n[Service]\nExecStart=/bin/cat\n")
        var section = try XCTUnwrap(service).unit
        XCTAssertEqual(section.after, [UnitName("b.service")])
        section.wantedBy = ["multi-user.target"]
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(section)) as? [String: Any]
        let object = try XCTUnwrap(json)
        XCTAssertEqual(object["description"] as? String, "d")
        XCTAssertEqual(object["wantedBy"] as? [String], ["multi-user.target"])
        XCTAssertEqual(object["defaultDependencies"] as? Bool, true)
        XCTAssertNil(object["relations"])
        XCTAssertNil(object["defaultInstance"])
        XCTAssertEqual(object.count, 17)
        let decoded = try JSONDecoder().decode(UnitSection.self, from: JSONEncoder().encode(section))
        XCTAssertEqual(decoded, section)
        XCTAssertNotEqual(decoded, UnitSection())
    }

    func testUnitSectionEncodesTheKeysThePreviousUsherdReadsAndDecodesBack() throws {
        var section = UnitSection()
        section.fragmentPath = "/etc/usher/units/a@.service"
        section.description = "d"
        section.defaultInstance = "x"
        section.conditions = [Condition(kind: .pathExists, isAssert: false, negated: true, triggering: false, path: "/etc")]
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(section)) as? [String: Any]
        let object = try XCTUnwrap(json)
        // UnitSection's keys before Relations moved out of line, every one present.
        let keys = """
            fragmentPath dropInPaths description documentation requires wants after before bindsTo partOf
            conflicts defaultDependencies conditions wantedBy requiredBy alias also defaultInstance
            """
        XCTAssertEqual(Set(object.keys), Set(keys.split(whereSeparator: \.isWhitespace).map(String.init)))
        XCTAssertEqual(object["defaultInstance"] as? String, "x")
        let decoded = try JSONDecoder().decode(UnitSection.self, from: JSONEncoder().encode(section))
        XCTAssertEqual(decoded, section)
        XCTAssertEqual(decoded.fragmentPath, "/etc/usher/units/a@.service")
    }

    func testAServiceUnitEncodesEverySettingAtTheTopLevelAndDecodesBack() throws {
        let (loaded, _) = try loadService("[Service]\nExecStart=/bin/cat\nExecStop=/bin/kill $MAINPID\nWatchdogSec=5\n")
        let service = try XCTUnwrap(loaded)
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(service)) as? [String: Any]
        let object = try XCTUnwrap(json)
        // ServiceUnit's fields before some moved out of line (pidFile, busName, notifyAccess, timeoutAbortSec unset).
        let keys = """
            name type execStartPre execStart execStartPost execStop execStopPost execReload restart restartSec
            timeoutStartSec timeoutStopSec runtimeMaxSec remainAfterExit successExitStatus restartPreventExitStatus
            successExitSignals restartPreventExitSignals restartForceExitStatus restartForceExitSignals guessMainPID
            sockets nonBlocking fileDescriptorStoreMax watchdogSec startLimitInterval startLimitBurst exec kill unit
            """
        XCTAssertEqual(Set(object.keys), Set(keys.split(whereSeparator: \.isWhitespace).map(String.init)))
        XCTAssertEqual((object["execStop"] as? [Any])?.count, 1)
        let decoded = try JSONDecoder().decode(ServiceUnit.self, from: JSONEncoder().encode(service))
        XCTAssertEqual(decoded, service)
        XCTAssertEqual(decoded.watchdogSec, .seconds(5))
        XCTAssertEqual(decoded.execStop.first?.path, "/bin/kill")
    }

    func testAFragmentPathReadsBackAsSetWhicheverWayItWasSet() {
        for path in ["/etc/usher/units/a.service", "/a.service", "a.service", "/etc/usher/units/", nil] {
            var plain = UnitSection()
            plain.fragmentPath = path
            var shared = UnitSection()
            shared.setFragmentPath(path, sharing: ["/etc/usher/units", "/run/usher"])
            XCTAssertEqual(plain.fragmentPath, path)
            XCTAssertEqual(shared.fragmentPath, path)
            XCTAssertEqual(plain, shared, path ?? "nil")
        }
    }

    func testAFragmentPathDecodedWithTheUnitDirectoriesReadsBackAsSaved() throws {
        let decoder = JSONDecoder()
        decoder.userInfo[try XCTUnwrap(UnitSection.unitDirectoriesKey)] = ["/etc/usher/units", "/run/usher"]
        for path in ["/etc/usher/units/a.service", "/a.service", "a.service", "/etc/usher/units/", nil] {
            var section = UnitSection()
            section.fragmentPath = path
            let decoded = try decoder.decode(UnitSection.self, from: JSONEncoder().encode(section))
            XCTAssertEqual(decoded.fragmentPath, path)
            XCTAssertEqual(decoded, section, path ?? "nil")
        }
    }

    func testALoadedUnitNamesItsFileAndTheStateCarriesIt() throws {
        let dir = try UnitDirectory()
        try dir.write("a.service", "[Service]\nExecStart=/bin/cat\n")
        let unit = try XCTUnwrap(dir.loader.loadService(UnitName("a.service")).0)
        XCTAssertEqual(unit.unit.fragmentPath, dir.path + "/a.service")
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(unit.unit)) as? [String: Any]
        XCTAssertEqual(json?["fragmentPath"] as? String, dir.path + "/a.service")
        XCTAssertEqual(try JSONDecoder().decode(UnitSection.self, from: JSONEncoder().encode(unit.unit)), unit.unit)
    }

    func testASocketUnitEncodesEverySettingAtTheTopLevelAndDecodesBack() throws {
        let (loaded, _) = try loadSocket("[Socket]\nListenStream=127.0.0.1:8080\nFileDescriptorName=web\n")
        let socket = try XCTUnwrap(loaded)
        XCTAssertEqual(socket.fdName, "web")
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(socket)) as? [String: Any]
        let object = try XCTUnwrap(json)
        // SocketUnit's fields before some moved out of line (explicitService and triggerLimitCooldown unset).
        let keys = """
            name listens options accept flushPending maxConnections maxConnectionsPerSource maxConnectionsPolicy
            resolveHostNames service fileDescriptorName triggerLimitInterval triggerLimitBurst execStartPre
            execStartPost execStopPre execStopPost timeout unit
            """
        XCTAssertEqual(Set(object.keys), Set(keys.split(whereSeparator: \.isWhitespace).map(String.init)))
        let decoded = try JSONDecoder().decode(SocketUnit.self, from: JSONEncoder().encode(socket))
        XCTAssertEqual(decoded, socket)
        XCTAssertEqual(decoded.fileDescriptorName, "web")
        XCTAssertEqual(SocketUnit(name: UnitName("a.socket")).$uncommon.isSet, false)
    }
}
