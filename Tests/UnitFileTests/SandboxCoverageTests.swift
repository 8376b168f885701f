// The measurement behind README's "Sandboxing" figures: of the .service and
// .socket files this machine ships in /lib/systemd/system and
// /usr/lib/systemd/system, how many load with every key enforced (no
// "Unsupported" or "protection not enforced" warning at all), and how many
// have every security-relevant key enforced. Prints the counts; asserts no
// fixed figure, since they depend on the machine. Skips when the folders are absent.

import Foundation
import UnitModel
import XCTest
@testable import UnitFile

final class SandboxCoverageTests: XCTestCase {
    func testCountsTheMachinesUnitsWhoseEveryKeyIsEnforced() throws {
        let fm = FileManager.default
        let present = ["/lib/systemd/system", "/usr/lib/systemd/system"].filter { fm.fileExists(atPath: $0) }
        if present.isEmpty { throw XCTSkip("no /lib/systemd/system or /usr/lib/systemd/system on this machine") }
        var seen = Set<String>()
        var total = 0, everyKey = 0, everyProtection = 0, everyKeyWithoutFilesystemRows = 0
        var missing: [String: Int] = [:]
        let filesystemKeys = FilesystemRows.rows.map(\.key) + ["ReadWriteDirectories", "ReadOnlyDirectories"]
        for directory in present where seen.insert(realpath(directory, nil).map { path in
            defer { free(path) }
            return String(cString: path)
        } ?? directory).inserted {
            let loader = UnitLoader(directories: [directory], specifiers: .fixture)
            let files = try fm.contentsOfDirectory(atPath: directory)
                .filter { $0.hasSuffix(".socket") || $0.hasSuffix(".service") }.sorted()
            for file in files {
                let name = UnitName(file)
                let target = name.isTemplate ? UnitName(name.prefix + "@coverage." + (name.kind?.rawValue ?? "")) : name
                let service = name.kind == .service ? loader.loadService(target) : (nil, [])
                let diagnostics = name.kind == .socket ? loader.loadSocket(target).1 : service.1
                let ignored = diagnostics.filter { $0.message.hasSuffix("by usherd, ignoring.") }
                let unenforced = ignored.filter { $0.message.hasSuffix("protection not enforced by usherd, ignoring.") }
                total += 1
                if ignored.isEmpty { everyKey += 1 }
                if ignored.isEmpty && !(service.0?.exec.securityKeys ?? []).contains(where: filesystemKeys.contains) {
                    everyKeyWithoutFilesystemRows += 1
                }
                if unenforced.isEmpty { everyProtection += 1 }
                for d in unenforced { missing[keyName(d.message), default: 0] += 1 }
            }
        }
        print("SandboxCoverage: without the filesystem, namespace and credentials rows: "
              + "\(everyKeyWithoutFilesystemRows) of \(total) units have every key enforced")
        let top = missing.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(12)
        print("SandboxCoverage: \(everyKey) of \(total) units have every key enforced; "
              + "\(everyProtection) of \(total) have every protection enforced (\(present.joined(separator: ", ")))")
        print("SandboxCoverage: most frequent unenforced protections: "
              + top.map { "\($0.key)=×\($0.value)" }.joined(separator: " "))
        XCTAssertGreaterThan(total, 0)
    }

    /// `Key 'X' in section [Service]: …` → X.
    func keyName(_ message: String) -> String {
        guard let open = message.firstIndex(of: "'"),
              let close = message[message.index(after: open)...].firstIndex(of: "'") else { return message }
        return String(message[message.index(after: open)..<close])
    }
}
