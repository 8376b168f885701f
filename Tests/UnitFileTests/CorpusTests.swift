// Real-world corpus: every *.socket and *.service shipped in this machine's
// /lib/systemd/system, /usr/lib/systemd/system (and /usr/lib/systemd/user) loads (templates through a
// test instance) with no diagnostic other than "Unsupported by usherd" and
// "protection not enforced" warnings and masks. Skips with a message when the folders are absent.

import Foundation
import UnitModel
import XCTest
@testable import UnitFile

final class CorpusTests: XCTestCase {
    /// The issue names the two system folders; the user-manager folder is read as well when present.
    static let directories = ["/lib/systemd/system", "/usr/lib/systemd/system", "/usr/lib/systemd/user"]

    /// Diagnostics that reflect the machine, not the parser: masked units (e.g. Debian's sysv shims).
    func isAcceptable(_ d: Diagnostic) -> Bool {
        d.message.hasSuffix("Unsupported by usherd, ignoring.") || d.message.hasSuffix(" is masked.")
            || d.message.hasSuffix("protection not enforced by usherd, ignoring.")
            || d.message.hasPrefix("Protection not enforced by usherd")
    }

    func testEverySystemdUnitOnThisMachineLoadsWithOnlyUnsupportedWarnings() throws {
        let fm = FileManager.default
        let present = Self.directories.filter { fm.fileExists(atPath: $0) }
        if present.isEmpty { throw XCTSkip("no systemd unit folders (\(Self.directories.joined(separator: ", "))) on this machine") }
        var read = 0
        var unsupported = 0
        var seen = Set<String>()
        for directory in present {
            let canonical = (directory as NSString).resolvingSymlinksInPath
            guard seen.insert(canonical).inserted else { continue }
            let loader = UnitLoader(directories: [directory], specifiers: .fixture)
            let names = (try fm.contentsOfDirectory(atPath: directory))
                .filter { $0.hasSuffix(".socket") || $0.hasSuffix(".service") }.sorted()
            for file in names {
                let name = UnitName(file)
                let target = name.isTemplate ? UnitName(name.prefix + "@corpus-test." + (name.kind?.rawValue ?? "")) : name
                let diagnostics = name.kind == .socket ? loader.loadSocket(target).1 : loader.loadService(target).1
                read += 1
                unsupported += diagnostics.filter { $0.message.hasSuffix("by usherd, ignoring.") }.count
                XCTAssertEqual(diagnostics.filter { !isAcceptable($0) }.map(\.text), [], "\(directory)/\(file)")
            }
        }
        print("CorpusTests: read \(read) unit files from \(present.joined(separator: ", ")); \(unsupported) unsupported-key warnings")
        XCTAssertGreaterThan(read, 0)
    }
}
