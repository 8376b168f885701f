// packaging/container/Containerfile without a container engine: its ENTRYPOINT,
// read from the file, runs as PID 1 of fresh PID, mount and network namespaces
// (as `podman run` would), the multi-call binary as /usr/bin/usherd, with the
// units it COPYs, where it copies them, as the only units, and the system user its
// RUN line adds, serves their port to nc inside that network, and its STOPSIGNAL
// stops it with status 0.
// Its COPY sources must exist: the units in the repository, the .deb build.sh names.
import Foundation
import XCTest
import UsherSys

final class ContainerfileIntegrationTests: XCTestCase {
    static let root = VersionIntegrationTests.packageRoot
    static let tools = ["/usr/bin/unshare", "/usr/bin/nsenter", "/usr/bin/nc", "/usr/sbin/ip", "/usr/sbin/useradd"]

    /// The Containerfile's instructions: (instruction, rest of the line), continuation lines joined.
    func instructions() throws -> [(String, String)] {
        let text = try String(contentsOfFile: ContainerfileIntegrationTests.root + "/packaging/container/Containerfile", encoding: .utf8)
        let joined = text.replacingOccurrences(of: "\\\n", with: " ")
        return joined.split(separator: "\n").compactMap { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { return nil }
            let word = trimmed.prefix { $0 != " " }
            return (String(word), trimmed.dropFirst(word.count).trimmingCharacters(in: .whitespaces))
        }
    }

    func instruction(_ name: String) throws -> String {
        try XCTUnwrap(try instructions().last { $0.0 == name }?.1, "no \(name) in the Containerfile")
    }

    /// ENTRYPOINT in exec form (a JSON array), as podman runs it.
    func entrypoint() throws -> [String] {
        let json = try instruction("ENTRYPOINT")
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String], json)
    }

    func testEveryCopySourceExistsOrIsWhatDebBuildWrites() throws {
        let copies = try instructions().filter { $0.0 == "COPY" }.map { $0.1.split(separator: " ").map(String.init) }
        XCTAssertEqual(copies.count, 2, "\(copies)")
        let build = try String(contentsOfFile: ContainerfileIntegrationTests.root + "/packaging/deb/build.sh", encoding: .utf8)
        func assigned(_ name: String) throws -> String {
            let line = try XCTUnwrap(build.split(separator: "\n").first { $0.hasPrefix(name + "=") }, "no \(name)= in build.sh")
            return String(line.dropFirst(name.count + 1))
        }
        let version = try String(contentsOfFile: ContainerfileIntegrationTests.root + "/packaging/VERSION", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let debPath = try assigned("deb").replacingOccurrences(of: "$out", with: try assigned("out"))
            .replacingOccurrences(of: "${version}", with: version).replacingOccurrences(of: "${arch}", with: "ARCH")
        for copy in copies {
            let source = try XCTUnwrap(copy.first)
            if source.hasPrefix(".build/") {
                XCTAssertEqual(fnmatch(source, debPath, 0), 0, "COPY \(source) does not match build.sh's \(debPath)")
            } else {
                var isDirectory: ObjCBool = false
                XCTAssertTrue(FileManager.default.fileExists(atPath: ContainerfileIntegrationTests.root + "/" + source,
                                                             isDirectory: &isDirectory), "COPY \(source): not in the repository")
            }
        }
        let units = try FileManager.default.contentsOfDirectory(atPath: ContainerfileIntegrationTests.root + "/packaging/container/units")
        XCTAssertEqual(units.sorted(), ["echo.socket", "echo@.service"])
    }

    /// The Containerfile's COPY of the units: (source in the repository, destination in the image).
    func unitsCopy() throws -> (source: String, destination: String) {
        let copies = try instructions().filter { $0.0 == "COPY" }.map { $0.1.split(separator: " ").map(String.init) }
        let units = try XCTUnwrap(copies.first { $0.first?.hasPrefix(".build/") == false }, "no COPY of the units")
        return (ContainerfileIntegrationTests.root + "/" + units[0], try XCTUnwrap(units.last))
    }

    /// The `useradd` step of the Containerfile's RUN line (its steps are joined by `&&`).
    func userAdd() throws -> String {
        let steps = try instruction("RUN").components(separatedBy: "&&").map { $0.trimmingCharacters(in: .whitespaces) }
        return try XCTUnwrap(steps.first { $0.hasPrefix("useradd ") }, "no useradd in the RUN line")
    }

    /// The namespace's script: the units the Containerfile copies, where it copies
    /// them, as the only ones in the search path, its user added (in a private /etc),
    /// loopback up, then exec the entry point (PID 1).
    func script(root: String, entrypoint: [String], units: (source: String, destination: String), userAdd: String) -> String {
        """
        set -e
        mount -t tmpfs tmpfs /run
        \(NamespaceScripts.overlayEtc(root: root)) || exit \(OpenRCRecipeIntegrationTests.noOverlay)
        \(userAdd)
        rm -rf \(units.destination); mkdir -p \(units.destination); cp \(units.source)/* \(units.destination)/
        if [ -d /usr/lib/usher/units ]; then mount -t tmpfs tmpfs /usr/lib/usher/units; fi
        ip link set lo up
        exec \(entrypoint.joined(separator: " "))
        """
    }

    func testTheEntrypointAsPID1ServesTheShippedUnitAndStopsOnTheStopSignal() throws {
        try XCTSkipUnless(getuid() == 0, "namespaces need root")
        for tool in ContainerfileIntegrationTests.tools {
            try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: tool), "no \(tool)")
        }
        let shipped = try entrypoint()
        XCTAssertEqual(shipped.first, "/usr/bin/usherd", "\(shipped)")

        let stopSignal = try instruction("STOPSIGNAL")
        let signal = try XCTUnwrap(["SIGTERM": SIGTERM, "SIGINT": SIGINT, "SIGQUIT": SIGQUIT][stopSignal], stopSignal)
        XCTAssertEqual(try instruction("EXPOSE"), "7/tcp")

        let harness = try UsherdHarness()
        // The entry point with the multi-call binary under the name usherd, as the .deb installs it.
        let entry = [try harness.multiCallLink("usherd")] + shipped.dropFirst()
        try script(root: harness.root, entrypoint: entry, units: try unitsCopy(), userAdd: try userAdd())
            .write(toFile: harness.root + "/container.sh", atomically: true, encoding: .utf8)
        let process = try harness.launch("/usr/bin/unshare", ["--mount", "--net", "--pid", "--fork", "--mount-proc", "--kill-child",
                                                              "/bin/sh", harness.root + "/container.sh"])
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        try eventually("usherd's start-up line", timeout: 15) { harness.log.contains("socket unit(s);") || !process.isRunning }
        if !process.isRunning && process.terminationStatus == OpenRCRecipeIntegrationTests.noOverlay {
            throw XCTSkip("no overlayfs for a private /etc: \(harness.log)")
        }
        let usherd = try XCTUnwrap(Processes.children(of: process.processIdentifier).first, harness.log)
        let status = try readSmallFile("/proc/\(usherd)/status")
        XCTAssertTrue(status.split(separator: "\n").contains { $0.hasPrefix("NSpid:") && $0.hasSuffix("\t1") },
                      "the entry point is not PID 1 in its namespace:\n\(status)")
        XCTAssertTrue(harness.log.contains("echo.socket: Listening on"), harness.log)
        XCTAssertFalse(harness.log.contains("Special user nobody"), harness.log)

        // A client in the container's network, as `podman run -p 7007:7` would forward it.
        let client = try runCollectingOutput("/bin/sh", ["-c", "printf 'from the container\\n' | /usr/bin/nsenter --target \(usherd) --net /usr/bin/nc -N -w 5 127.0.0.1 7"],
                                            environment: ["PATH": "/usr/bin:/bin:/usr/sbin:/sbin"])
        XCTAssertEqual(client.output, "from the container\n", harness.log)
        XCTAssertEqual(client.status, 0)

        kill(usherd, signal)
        try eventually("the entry point to exit on \(stopSignal)", timeout: 15) { !process.isRunning }
        XCTAssertEqual(process.terminationStatus, 0, harness.log)
        XCTAssertTrue(harness.log.contains("Stopped."), harness.log)
    }
}
