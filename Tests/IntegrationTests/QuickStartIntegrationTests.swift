// The README's quick start cannot drift: the test reads the commands between
// the `quick-start` markers, starts usherd exactly as `make run` does (the
// usherd line of the Makefile's run recipe, plus a private --runtime-dir), and
// runs every command with /bin/sh from the repository root: each must exit 0
// and print what the README says it does.
import Foundation
import XCTest

final class QuickStartIntegrationTests: XCTestCase {
    static let root = VersionIntegrationTests.packageRoot

    /// The shell lines of the ```sh blocks between the markers, comments removed.
    func quickStartCommands() throws -> [String] {
        let readme = try String(contentsOfFile: QuickStartIntegrationTests.root + "/README.md", encoding: .utf8)
        guard let start = readme.range(of: "<!-- quick-start"), let end = readme.range(of: "<!-- /quick-start -->") else {
            throw HarnessError(description: "README.md has no <!-- quick-start --> … <!-- /quick-start --> markers")
        }
        var commands: [String] = []
        var inBlock = false
        for line in readme[start.upperBound..<end.lowerBound].split(separator: "\n") {
            if line.hasPrefix("```") { inBlock = line == "```sh"; continue }
            guard inBlock else { continue }
            let command = line.components(separatedBy: "  #").first?.trimmingCharacters(in: .whitespaces) ?? ""
            if !command.isEmpty { commands.append(command) }
        }
        return commands
    }

    /// `make run`'s usherd command line, read from the Makefile's run recipe.
    func makeRunUsherd() throws -> [String] {
        let makefile = try String(contentsOfFile: QuickStartIntegrationTests.root + "/Makefile", encoding: .utf8)
        let recipe = makefile.components(separatedBy: "\nrun: ").dropFirst().first ?? ""
        guard let line = recipe.split(separator: "\n").first(where: { $0.hasPrefix("\t.build/debug/usherd") }) else {
            throw HarnessError(description: "the Makefile's run recipe no longer runs .build/debug/usherd")
        }
        return line.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "$(UNITS)", with: "units")
            .split(separator: " ").map(String.init)
    }

    func shell(_ command: String, environment: [String: String]) throws -> (Int32, String) {
        try runCollectingOutput("/bin/sh", ["-c", command],
                                environment: ProcessInfo.processInfo.environment.merging(environment) { $1 },
                                directory: QuickStartIntegrationTests.root)
    }

    func testEveryQuickStartCommandRunsAsTheReadmeShowsIt() throws {
        let commands = try quickStartCommands()
        XCTAssertEqual(commands.first, "make run", "the quick start starts with make run")
        let (built, buildOutput) = try shell("make --no-print-directory -C examples", environment: [:])
        XCTAssertEqual(built, 0, buildOutput)
        let harness = try UsherdHarness()
        let usherd = try makeRunUsherd()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: QuickStartIntegrationTests.root + "/" + usherd[0])
        process.arguments = Array(usherd.dropFirst()) + ["--runtime-dir", harness.root + "/rt"]
        process.currentDirectoryURL = URL(fileURLWithPath: QuickStartIntegrationTests.root)
        _ = FileManager.default.createFile(atPath: harness.logPath, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: harness.logPath))
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() } }
        try harness.waitForLog("socket unit(s);", timeout: 15)

        let environment = ["USHER_CONTROL_SOCKET": harness.root + "/rt/control"]
        var outputs: [String: String] = [:]
        for command in commands.dropFirst() {
            let (status, output) = try shell(command, environment: environment)
            XCTAssertEqual(status, 0, "README quick start: `\(command)` failed:\n\(output)\n\(harness.log)")
            outputs[command] = output
        }
        let all = outputs.values.joined()
        XCTAssertTrue(all.contains("Hello from hello-http"), all)
        XCTAssertTrue(all.contains("active (running)"), all)
        XCTAssertTrue(outputs.contains { $0.key.contains("nc ") && $0.value == "hello\n" }, "\(outputs)")
        kill(process.processIdentifier, SIGTERM)
        try eventually("usherd to stop", timeout: 15) { !process.isRunning }
        XCTAssertEqual(process.terminationStatus, 0, harness.log)
    }
}
