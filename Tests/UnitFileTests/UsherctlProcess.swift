// Runs the real usherctl binary (built next to the test bundle) with extra
// environment and returns its exit status, stdout and stderr. Throws XCTSkip
// when the binary is not built. Shared by the offline and the daemon-verb tests.

import Foundation
import XCTest

struct UsherctlRun {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum UsherctlProcess {
    static func binary() throws -> URL {
        let bundle = Bundle(for: UsherctlTests.self).bundleURL
        let candidates = [bundle, bundle.deletingLastPathComponent()].map { $0.appendingPathComponent("usherctl") }
        guard let binary = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw XCTSkip("usherctl is not built next to \(bundle.path)")
        }
        return binary
    }

    /// A prepared process: help text pinned to 80 columns, times in UTC, `environment` on top.
    static func process(_ arguments: [String], environment: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = try binary()
        process.arguments = arguments
        let pinned = ["COLUMNS": "80", "TZ": "UTC"].merging(environment) { $1 }
        process.environment = ProcessInfo.processInfo.environment.merging(pinned) { $1 }
        return process
    }

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> UsherctlRun {
        let process = try process(arguments, environment: environment)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return UsherctlRun(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                           stderr: String(decoding: stderr, as: UTF8.self))
    }
}
