// Parsing of the process set-up keys as systemd 252 reads them: Limit*= units
// (seconds rounded up for CPU, microseconds for RTTIME, nice levels for NICE),
// the directory keys with their modes and path rules, RuntimeDirectoryPreserve=,
// StandardInputText=/StandardInputData= (which imply StandardInput=data),
// RootDirectory= and TTYPath=.
import XCTest
import UnitModel
@testable import UnitFile

final class ExecSetupParsingTests: XCTestCase {
    func testLimitValuesUseEachResourcesUnitsAsSystemdDoes() throws {
        let (unit, diagnostics) = try loadService("""
            [Service]
            ExecStart=/bin/true
            LimitCPU=1500ms
            LimitRTTIME=20ms:1s
            LimitNICE=-5
            LimitRTPRIO=0:9
            LimitAS=1G:infinity
            LimitNOFILE=infinity
            """)
        XCTAssertEqual(diagnostics, [])
        let limits = try XCTUnwrap(unit).exec.limits
        XCTAssertEqual(limits["CPU"], ResourceLimit(soft: 2, hard: 2), "CPU seconds round up")
        XCTAssertEqual(limits["RTTIME"], ResourceLimit(soft: 20_000, hard: 1_000_000))
        XCTAssertEqual(limits["NICE"], ResourceLimit(soft: 25, hard: 25), "nice -5 is the raw limit 25")
        XCTAssertEqual(limits["RTPRIO"], ResourceLimit(soft: 0, hard: 9))
        XCTAssertEqual(limits["AS"], ResourceLimit(soft: 1 << 30, hard: nil))
        XCTAssertEqual(limits["NOFILE"], ResourceLimit(soft: nil, hard: nil))
    }

    func testBadLimitValuesWarnWithSystemdsWords() throws {
        let (unit, diagnostics) = try loadService("""
            [Service]
            ExecStart=/bin/true
            LimitNICE=+20
            LimitNOFILE=4096:1024
            LimitCORE=1:2:3
            """)
        XCTAssertEqual(unit?.exec.limits, [:])
        XCTAssertEqual(diagnostics.map { $0.components(separatedBy: ": ").dropFirst().joined(separator: ": ") }, [
            "Failed to parse resource value, ignoring: +20",
            "Soft resource limit chosen higher than hard limit, ignoring: 4096:1024",
            "Failed to parse resource value, ignoring: 1:2:3",
        ])
    }

    func testDirectoryKeysCollectRelativePathsWithModesAndPreserve() throws {
        let (unit, diagnostics) = try loadService("""
            [Service]
            ExecStart=/bin/true
            RuntimeDirectory=%p a/b
            RuntimeDirectory=c
            RuntimeDirectoryMode=0700
            StateDirectory=s
            StateDirectory=
            StateDirectory=t
            CacheDirectory=c1 /abs
            LogsDirectory=l
            LogsDirectoryMode=2750
            ConfigurationDirectory=cf
            ConfigurationDirectoryMode=0750
            CacheDirectoryMode=0711
            StateDirectoryMode=0700
            RuntimeDirectoryPreserve=restart
            """)
        let exec = try XCTUnwrap(unit).exec
        XCTAssertEqual(exec.directories[.runtime]?.paths, ["t", "a/b", "c"])
        XCTAssertEqual(exec.directories[.runtime]?.mode, 0o700)
        XCTAssertEqual(exec.directories[.state]?.paths, ["t"])
        XCTAssertEqual(exec.directories[.cache]?.paths, ["c1"])
        XCTAssertEqual(exec.directories[.logs]?.mode, 0o2750)
        XCTAssertEqual(exec.directories[.configuration]?.paths, ["cf"])
        XCTAssertEqual(exec.runtimeDirectoryPreserve, .restart)
        XCTAssertEqual(diagnostics.count, 1)
        XCTAssertTrue(diagnostics.first?.hasSuffix("CacheDirectory= path is absolute, ignoring: /abs") ?? false)
    }

    func testRuntimeDirectoryPreserveTakesBooleans() throws {
        let (unit, _) = try loadService("[Service]\nExecStart=/bin/true\nRuntimeDirectoryPreserve=true\n")
        XCTAssertEqual(unit?.exec.runtimeDirectoryPreserve, .yes)
        let (bad, diagnostics) = try loadService("[Service]\nExecStart=/bin/true\nRuntimeDirectoryPreserve=sometimes\n")
        XCTAssertEqual(bad?.exec.runtimeDirectoryPreserve, .no)
        XCTAssertTrue(diagnostics.first?.hasSuffix("Failed to parse resource preserve mode, ignoring: sometimes") ?? false)
    }

    func testStandardInputTextAndDataAccumulateAndImplyStandardInputData() throws {
        let (unit, diagnostics) = try loadService("""
            [Service]
            ExecStart=/bin/cat
            StandardInputText=a\\tb
            StandardInputData=Zm9v
            StandardInputData=!!notbase64
            StandardInputText=%p
            """)
        XCTAssertEqual(unit?.exec.standardInput, .data)
        XCTAssertEqual(unit?.exec.standardInputData, Array("a\tb\nfoot\n".utf8))
        XCTAssertTrue(diagnostics.first?.hasSuffix("Failed to decode base64 data, ignoring: !!notbase64") ?? false)
    }

    func testRootDirectoryAndTTYPathMustBeAbsolute() throws {
        let (unit, diagnostics) = try loadService("""
            [Service]
            ExecStart=/bin/true
            RootDirectory=/srv/jail
            TTYPath=/dev/tty9
            RootDirectory=relative
            """)
        XCTAssertEqual(unit?.exec.rootDirectory, "/srv/jail")
        XCTAssertEqual(unit?.exec.ttyPath, "/dev/tty9")
        XCTAssertTrue(diagnostics.first?.hasSuffix("RootDirectory= path is not absolute, ignoring: relative") ?? false)
    }
}
