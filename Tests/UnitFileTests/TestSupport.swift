// Shared helpers for UnitFile tests: temp unit directories, a fixed specifier
// context (so expectations do not depend on the test machine), loading a unit
// from text, and the location of the golden files next to this source file.

import Foundation
import UnitModel
import XCTest
@testable import UnitFile

enum TestPaths {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden").path
}

extension SpecifierContext {
    /// A host that looks the same on every machine.
    static let fixture = SpecifierContext(hostname: "host.example.org", machineID: "0123456789abcdef0123456789abcdef",
                                          bootID: "fedcba9876543210fedcba9876543210", kernelRelease: "6.1.0-test",
                                          osID: "debian", osVersionID: "12")
}

/// A temporary unit directory removed on deinit.
final class UnitDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("usher-unitfile-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    @discardableResult
    func write(_ relative: String, _ text: String) throws -> String {
        let full = path + "/" + relative
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: full))
        return full
    }

    func symlink(_ relative: String, to destination: String) throws {
        try FileManager.default.createSymbolicLink(atPath: path + "/" + relative, withDestinationPath: destination)
    }

    var loader: UnitLoader { UnitLoader(directories: [path], specifiers: .fixture) }
}

/// Parses one socket unit from text; returns the unit (nil if refused) and the diagnostics' texts.
func loadSocket(_ text: String, name: String = "t.socket", file: StaticString = #filePath, line: UInt = #line)
    throws -> (SocketUnit?, [String]) {
    let dir = try UnitDirectory()
    try dir.write(name, text)
    let (unit, diagnostics) = dir.loader.loadSocket(UnitName(name))
    return (unit, diagnostics.map(\.text))
}

/// Parses one service unit from text.
func loadService(_ text: String, name: String = "t.service") throws -> (ServiceUnit?, [String]) {
    let dir = try UnitDirectory()
    try dir.write(name, text)
    let (unit, diagnostics) = dir.loader.loadService(UnitName(name))
    return (unit, diagnostics.map(\.text))
}
