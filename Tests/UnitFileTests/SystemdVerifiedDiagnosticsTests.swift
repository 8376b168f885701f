// Regression table from differential runs against systemd-analyze verify
// (systemd 252.39, Debian 12): each unit below produced exactly these
// diagnostics under real systemd, and usherd must print the same. Found by
// comparing both on generated units; named after the rule each one pins down.

import UnitModel
import XCTest
@testable import UnitFile

final class SystemdVerifiedDiagnosticsTests: XCTestCase {
    func assertSystemdDiagnostics(_ unit: String, _ text: String, _ expected: [String], line: UInt = #line) throws {
        let dir = try UnitDirectory()
        try dir.write(unit, text)
        if unit.hasSuffix(".socket") { try dir.write("t.service", "[Service]\nExecStart=/bin/true\n") }
        let diagnostics = dir.loader.verify([UnitName(unit)]).diagnostics.map(\.text)
            .filter { !$0.hasSuffix("Unsupported by usherd, ignoring.") }
        XCTAssertEqual(diagnostics, expected, line: line)
    }

    func testAnEmptyAbstractNameIsAnInvalidAddress() throws {
        try assertSystemdDiagnostics(
            "t.socket",
            "[Socket]\nListenStream=@\nListenStream=@ok\n",
            [
                "t.socket:2: Failed to parse address value in '@', ignoring: Invalid argument",
            ])
    }

    func testOctalLeadingZeroMakesNineInvalid() throws {
        try assertSystemdDiagnostics(
            "t.socket",
            "[Socket]\nListenStream=1\nBacklog=0999\nBacklog=010\n",
            [
                "t.socket:3: Failed to parse unsigned value, ignoring: 0999",
            ])
    }

    func testSequentialPacketNeedsUnixFamily() throws {
        try assertSystemdDiagnostics(
            "t.socket",
            "[Socket]\nListenSequentialPacket=20\nListenSequentialPacket=/run/ok.seq\n",
            [
                "t.socket:2: Address family not supported, ignoring: 20",
            ])
    }

    func testNetlinkAcceptsNumericFamily() throws {
        try assertSystemdDiagnostics(
            "t.socket",
            "[Socket]\nListenNetlink=300\nListenNetlink=route 2\n",
            [
            ])
    }

    func testNumericInterfaceNamesAreInvalid() throws {
        try assertSystemdDiagnostics(
            "t.socket",
            "[Socket]\nListenStream=1\nBindToDevice=0999\nBindToDevice=0x10\nBindToDevice=65535\n",
            [
                "t.socket:3: Invalid interface name, ignoring: 0999",
                "t.socket:4: Invalid interface name, ignoring: 0x10",
                "t.socket:5: Invalid interface name, ignoring: 65535",
            ])
    }

    func testDependencyListsKeepQuotes() throws {
        try assertSystemdDiagnostics(
            "t.service",
            "[Unit]\nWants=\"quoted value\"\n[Service]\nExecStart=/bin/true\n",
            [
                "t.service:2: Failed to add dependency on \"quoted, ignoring: Invalid argument",
                "t.service:2: Failed to add dependency on value\", ignoring: Invalid argument",
            ])
    }

    func testSelfOrderingDependencyIsDropped() throws {
        try assertSystemdDiagnostics(
            "t.socket",
            "[Unit]\nAfter=%n\n[Socket]\nListenStream=1\n",
            [
                "t.socket: Dependency After=t.socket is dropped.",
            ])
    }

    func testRelaxedUserNamesAllowSpacesButNotSlashes() throws {
        try assertSystemdDiagnostics(
            "t.socket",
            "[Socket]\nListenStream=1\nSocketUser=-5K\nSocketUser=2min 3s\nSocketGroup=|!/x\n",
            [
                "t.socket:5: Invalid user/group name or numeric ID: |!/x",
                "t.socket: Unit configuration has fatal error, unit will not be started.",
            ])
    }

    func testAllDigitUserNameWithLeadingZeroIsFatal() throws {
        try assertSystemdDiagnostics(
            "t.socket",
            "[Socket]\nListenStream=1\nSocketUser=0999\n",
            [
                "t.socket:3: Invalid user/group name or numeric ID: 0999",
                "t.socket: Unit configuration has fatal error, unit will not be started.",
            ])
    }

    func testSpecifierFailuresQuoteLikeEachParser() throws {
        try assertSystemdDiagnostics(
            "t.service",
            "[Unit]\nDescription=x %z\nAfter=a%z.service\nConditionPathExists=/x%z\n[Service]\nExecStart=/bin/true\nEnvironment=A=%z\nEnvironmentFile=/x%z\nSyslogIdentifier=%z\nSockets=a%z.socket\nBusName=a.b%z\nStandardOutput=file:/x%z\nPassEnvironment=A%z\nUnsetEnvironment=A%z\n",
            [
                "t.service:2: Failed to resolve unit specifiers in 'x %z', ignoring: Invalid slot",
                "t.service:3: Failed to resolve unit specifiers in 'a%z.service', ignoring: Invalid slot",
                "t.service:4: Failed to resolve unit specifiers in /x%z, ignoring: Invalid slot",
                "t.service:7: Failed to resolve specifiers in A=%z, ignoring: Invalid slot",
                "t.service:8: Failed to resolve unit specifiers in '/x%z', ignoring: Invalid slot",
                "t.service:9: Failed to resolve unit specifiers in '%z', ignoring: Invalid slot",
                "t.service:10: Failed to resolve unit specifiers in 'a%z.socket', ignoring: Invalid slot",
                "t.service:11: Failed to resolve unit specifiers in a.b%z, ignoring: Invalid slot",
                "t.service:12: Failed to resolve unit specifiers in /x%z, ignoring: Invalid slot",
                "t.service:13: Failed to resolve specifiers in A%z, ignoring: Invalid slot",
                "t.service:14: Failed to resolve unit specifiers in A%z, ignoring: Invalid slot",
            ])
    }

    func testCredentialSpecifierFailureIsFatal() throws {
        try assertSystemdDiagnostics(
            "t.service",
            "[Service]\nExecStart=/bin/true\nUser=u%z\n",
            [
                "t.service:3: Failed to resolve unit specifiers in u%z: Invalid slot",
                "t.service: Unit configuration has fatal error, unit will not be started.",
            ])
    }

    func testUnitNameSettingsRejectPathSpecifiers() throws {
        try assertSystemdDiagnostics(
            "t.service",
            "[Service]\nExecStart=/bin/true\nSockets=%t.socket\n",
            [
                "t.service:3: Failed to resolve unit specifiers in '%t.socket', ignoring: Invalid slot",
            ])
    }

    func testEmptyValuesResetSilentlyWhereSystemdDoes() throws {
        try assertSystemdDiagnostics(
            "t.service",
            "[Unit]\nDescription=\n[Service]\nExecStart=/bin/true\nKillMode=\nNice=\nSyslogIdentifier=\nUser=\nGroup=\nWorkingDirectory=\nSuccessExitStatus=\nTimeoutAbortSec=\nType=\nRestart=\nUMask=\nBusName=\n",
            [
                "t.service:13: Failed to parse service type, ignoring: ",
                "t.service:14: Failed to parse service restart specifier, ignoring: ",
                "t.service:15: Failed to parse mode value, ignoring: ",
                "t.service:16: Invalid bus name, ignoring: ",
            ])
    }

    func testEmptySocketValuesThatWarn() throws {
        try assertSystemdDiagnostics(
            "t.socket",
            "[Socket]\nListenStream=1\nBacklog=\nReceiveBuffer=\nIPTOS=\nTimestamping=yes\nService=\nFileDescriptorName=\nBindToDevice=\nTCPCongestion=\n",
            [
                "t.socket:3: Failed to parse unsigned value, ignoring: ",
                "t.socket:4: Failed to parse size value '', ignoring: Invalid argument",
                "t.socket:7: Unit must be of type service, ignoring: ",
            ])
    }

    func testSizeFractionsAndBadSigns() throws {
        try assertSystemdDiagnostics(
            "t.socket",
            "[Socket]\nListenStream=1\nReceiveBuffer=1.5\nPipeSize=-/srv\nSendBuffer=-1\n",
            [
                "t.socket:4: Failed to parse size value '-/srv', ignoring: Invalid argument",
                "t.socket:5: Failed to parse size value '-1', ignoring: Numerical result out of range",
            ])
    }

    func testDocumentationFileURLMustBeAbsolute() throws {
        try assertSystemdDiagnostics(
            "t.service",
            "[Unit]\nDocumentation=file:rel file:/ok man:x(1)\n[Service]\nExecStart=/bin/true\n",
            [
                "t.service:2: Invalid URL, ignoring: file:rel",
            ])
    }

    func testExitStatusTakesSignalNamesWithoutPrefix() throws {
        try assertSystemdDiagnostics(
            "t.service",
            "[Service]\nExecStart=/bin/true\nSuccessExitStatus=TERM SIGHUP 300 \"quoted\"\n",
            [
                "t.service:3: Failed to parse value, ignoring: 300",
                "t.service:3: Failed to parse value, ignoring: \"quoted\"",
            ])
    }

    func testOptionalWorkingDirectoryRelativeIsNotFatal() throws {
        try assertSystemdDiagnostics(
            "t.service",
            "[Service]\nExecStart=/bin/true\nWorkingDirectory=-20\n",
            [
                "t.service:3: WorkingDirectory= path is not absolute, ignoring: 20",
            ])
    }

    func testSymlinksStopAtTheFirstRelativePath() throws {
        try assertSystemdDiagnostics(
            "t.socket",
            "[Socket]\nListenStream=/run/x.sock\nSymlinks=/ok A=1 B\n",
            [
                "t.socket:3: Symlinks= path is not absolute, ignoring: A=1",
            ])
    }

    func testEnvironmentUnknownEscapeIsInvalidSyntax() throws {
        try assertSystemdDiagnostics(
            "t.service",
            "[Service]\nExecStart=/bin/true\nEnvironment=/bin/true \\q\n",
            [
                "t.service:3: Invalid environment assignment, ignoring: /bin/true",
                "t.service:3: Invalid syntax, ignoring: /bin/true \\q",
            ])
    }

    func testServiceSettingQuotesTheRawValue() throws {
        try assertSystemdDiagnostics(
            "t.socket",
            "[Socket]\nListenStream=1\nService=/bin/echo %n\n",
            [
                "t.socket:3: Unit must be of type service, ignoring: /bin/echo %n",
            ])
    }

    func testNiceOctalJunk() throws {
        try assertSystemdDiagnostics(
            "t.service",
            "[Service]\nExecStart=/bin/true\nNice=0999\nNice=-21\n",
            [
                "t.service:3: Failed to parse nice priority '0999', ignoring: Invalid argument",
                "t.service:4: Nice priority out of range, ignoring: -21",
            ])
    }

    func testCommentLineEndingInBackslashDoesNotContinue() throws {
        try assertSystemdDiagnostics(
            "t.service",
            "#c\\\nType=simple\n[Service]\nExecStart=/bin/true\n",
            [
                "t.service:2: Assignment outside of section. Ignoring.",
            ])
    }

    func testContinuationAtEndOfFileCountsOneMoreLine() throws {
        try assertSystemdDiagnostics(
            "t.service",
            "[Service]\nExecStart=/bin/true\nDescription=\\\n",
            [
                "t.service:4: Unknown key 'Description' in section [Service], ignoring.",
            ])
    }

    func testMissingKeyNameBeforeEquals() throws {
        try assertSystemdDiagnostics(
            "t.service",
            "[Service]\nExecStart=/bin/true\n=value\n  = x\n",
            [
                "t.service:3: Missing key name before '=', ignoring line.",
                "t.service:4: Missing key name before '=', ignoring line.",
            ])
    }

    func testInvalidSectionHeaderStopsTheFile() throws {
        try assertSystemdDiagnostics(
            "t.service",
            "[Service]\nExecStart=/bin/true\n[Unit]x\nFooBar=1\n",
            [
                "t.service:3: Invalid section header '[Unit]x'",
            ])
    }

    func testEmptySectionNameIsUnknown() throws {
        try assertSystemdDiagnostics(
            "t.service",
            "[Service]\nExecStart=/bin/true\n[]\nFooBar=1\n",
            [
                "t.service:3: Unknown section ''. Ignoring.",
            ])
    }

    func testContinuedValueReportsItsLastLineAndSkipsComments() throws {
        try assertSystemdDiagnostics(
            "t.service",
            "[Service]\nExecStart=/bin/true\nType=bo\\\n# comment\n; other\ngus\n",
            [
                "t.service:6: Failed to parse service type, ignoring: bo gus",
            ])
    }

    func testEscapesFollowEachSettingsRules() throws {
        try assertSystemdDiagnostics(
            "t.service",
            "[Service]\nExecStart=/bin/true\nEnvironment=/bin/echo \\;\nEnvironment=A=\\q B=1\nPassEnvironment=X \\; \\q Y\nUnsetEnvironment=X \\; \\q Y\nExecStartPre=/bin/echo \\q \\w \"\\z\"\n",
            [
                "t.service:3: Invalid environment assignment, ignoring: /bin/echo",
                "t.service:3: Invalid syntax, ignoring: /bin/echo \\;",
                "t.service:4: Invalid syntax, ignoring: A=\\q B=1",
                "t.service:5: Invalid environment name for PassEnvironment, ignoring: ;",
                "t.service:6: Trailing garbage in UnsetEnvironment, ignoring: X \\; \\q Y",
                "t.service:7: Ignoring unknown escape sequences: \"\\q\"",
                "t.service:7: Ignoring unknown escape sequences: \"\\w\"",
                "t.service:7: Ignoring unknown escape sequences: \"\\z\"",
            ])
    }

    func testWorkingDirectorySpecifierFailureIsFatal() throws {
        try assertSystemdDiagnostics(
            "t.service",
            "[Service]\nExecStart=/bin/true\nWorkingDirectory=/srv/%z\nUMask=0999\n",
            [
                "t.service:3: Failed to resolve unit specifiers in working directory path '/srv/%z': Invalid slot",
                "t.service: Unit configuration has fatal error, unit will not be started.",
            ])
    }
}
