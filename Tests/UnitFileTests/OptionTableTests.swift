// The option table as data: every supported key is exercised by some test
// or golden file (the coverage check fails when a new row has none), every
// systemd 252 key usherd does not implement warns "Unsupported by usherd" (a
// security-relevant [Service] key: "protection not enforced by usherd")
// instead of "Unknown key", and the Usher extensions have both spellings.

import Foundation
import UnitModel
import XCTest
@testable import UnitFile

final class OptionTableTests: XCTestCase {
    /// All test sources and golden inputs, read once.
    static let testCorpus: String = {
        let fm = FileManager.default
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path
        var text = ""
        for relative in fm.subpaths(atPath: root) ?? [] where !relative.hasSuffix(".expected") {
            if let data = fm.contents(atPath: root + "/" + relative) { text += String(decoding: data, as: UTF8.self) + "\n" }
        }
        return text
    }()

    func testEverySupportedKeyHasATestOrGoldenFile() {
        let untested = OptionTable.rows.filter { !$0.flags.contains(.unsupported) }
            .filter { !Self.testCorpus.contains("\($0.key)=") }
            .map { "[\($0.section)] \($0.key)" }
        XCTAssertEqual(untested, [], "add a golden or unit test that sets these keys")
    }

    func testTableHasNoDuplicateRows() {
        let keys = OptionTable.rows.map { "\($0.section).\($0.key)" }
        XCTAssertEqual(keys.count, Set(keys).count)
    }

    func testEverySystemd252SocketKeyHasARow() {
        for (section, keys) in Systemd252Keys.bySection {
            for key in keys { XCTAssertNotNil(OptionTable.row(section: section, key: key), "[\(section)] \(key)") }
        }
        XCTAssertEqual(Systemd252Keys.bySection.first { $0.0 == "Socket" }?.1.count, 262)
    }

    func testEveryUnsupportedRowWarnsUnsupportedNeverUnknown() throws {
        let rows = OptionTable.rows.filter { $0.flags.contains(.unsupported) }
        XCTAssertGreaterThan(rows.count, 400)
        for row in rows {
            let type: UnitType = row.section == "Socket" ? .socket : .service
            let name = UnitName("u." + type.rawValue)
            let text = "[\(row.section)]\n\(row.key)=1\n"
            let diagnostics = UnitFileParser.parse(Array(text.utf8), as: name, specifiers: .fixture).diagnostics
            let reason = row.section == "Service" && SecurityKeys.isSecurityRelevant(row.key)
                ? "protection not enforced by usherd" : "Unsupported by usherd"
            XCTAssertEqual(diagnostics.first?.text,
                           "\(name.full):2: Key '\(row.key)' in section [\(row.section)]: \(reason), ignoring.")
        }
    }

    func testCgroupResourceAndMandatoryAccessControlKeysAreUnsupportedRows() {
        for key in ["MemoryMax", "CPUQuota", "SELinuxContext", "SmackProcessLabel", "AppArmorProfile"] {
            XCTAssertEqual(OptionTable.row(section: "Service", key: key)?.flags.contains(.unsupported), true, key)
        }
        for key in ["SmackLabel", "SmackLabelIPIn", "SmackLabelIPOut", "SELinuxContextFromNet"] {
            XCTAssertEqual(OptionTable.row(section: "Socket", key: key)?.flags.contains(.unsupported), true, key)
        }
    }

    func testUnknownKeyWarnsAndXPrefixedKeyIsSilent() throws {
        let (_, diagnostics) = try loadSocket("[Socket]\nListenStream=1\nFooBar=1\nX-Whatever=2\n")
        XCTAssertEqual(diagnostics, ["t.socket:3: Unknown key 'FooBar' in section [Socket], ignoring."])
    }

    func testUsherExtensionsWorkUnderBothSpellings() throws {
        for prefix in ["", "X-Usher-"] {
            let text = "[Socket]\nListenStream=localhost:8080\n\(prefix)TriggerLimitCooldownSec=30s\n"
                + "\(prefix)MaxConnectionsPolicy=defer\n\(prefix)ResolveHostNames=yes\n"
            let (socket, diagnostics) = try loadSocket(text)
            XCTAssertEqual(diagnostics, [], prefix)
            XCTAssertEqual(socket?.triggerLimitCooldown, .seconds(30))
            XCTAssertEqual(socket?.maxConnectionsPolicy, .defer_)
            XCTAssertEqual(socket?.listens.first?.target, .socket(.hostName(host: "localhost", service: "8080")))
        }
    }

    func testHostNamesWarnLikeSystemdWithoutTheOptIn() throws {
        let (socket, diagnostics) = try loadSocket("[Socket]\nListenStream=localhost:8080\nListenStream=8080\n")
        XCTAssertEqual(socket?.listens.count, 1)
        XCTAssertEqual(diagnostics, ["t.socket:2: Failed to parse address value in 'localhost:8080', ignoring: Invalid argument"])
        XCTAssertEqual(try loadSocket("[Socket]\nListenStream=[::]:http\nResolveHostNames=no\n").0, nil)
    }

    func testEmptyAssignmentResetsLists() throws {
        let (socket, _) = try loadSocket("[Socket]\nListenStream=1\nListenDatagram=2\nListenStream=\nListenStream=3\n")
        XCTAssertEqual(socket?.listens.map(\.text), ["3"])
        let (service, _) = try loadService("[Unit]\nAfter=a.service\nAfter=\nAfter=b.service\n[Service]\nExecStart=/bin/true\n"
            + "Environment=A=1\nEnvironment=\nEnvironment=B=2\nSupplementaryGroups=x\nSupplementaryGroups=\n")
        XCTAssertEqual(service?.unit.after, [UnitName("b.service")])
        XCTAssertEqual(service?.exec.environment.map(\.0), ["B"])
        XCTAssertEqual(service?.exec.supplementaryGroups, [])
    }

    func testListingNamesEveryRowWithItsFlags() {
        let listing = OptionTable.listing()
        XCTAssertEqual(listing.count, OptionTable.rows.count)
        XCTAssertTrue(listing.contains { $0.hasPrefix("[Socket] ListenStream\tsocket address\tSocketUnit.listens\tlist,specifiers") })
        XCTAssertTrue(listing.contains { $0.hasPrefix("[Socket] X-Usher-MaxConnectionsPolicy\t") && $0.hasSuffix("alias-of=MaxConnectionsPolicy") })
        XCTAssertTrue(listing.contains { $0 == "[Service] MemoryMax\t-\t-\tunsupported" })
    }
}
