// ExecStart=-style command lines: prefixes, @argv0, `;` separators, quoting,
// $VAR kept for spawn time, and the path rules with systemd 252's messages
// (fatal without `-`, ", ignoring" with it).

import UnitModel
import XCTest
@testable import UnitFile

final class CommandLineTests: XCTestCase {
    func testPlainCommandKeepsArgv0AndVariables() throws {
        let commands = try CommandLineParser.parse("/bin/echo \"a b\" 'c' \\x41 $FOO ${BAR}").get()
        XCTAssertEqual(commands, [CommandLine(path: "/bin/echo", arguments: ["/bin/echo", "a b", "c", "A", "$FOO", "${BAR}"])])
    }

    func testPrefixesCombine() throws {
        let c = try XCTUnwrap(CommandLineParser.parse("-@:/bin/true argv0 x").get().first)
        XCTAssertEqual(c.path, "/bin/true")
        XCTAssertEqual(c.arguments, ["argv0", "x"])
        XCTAssertTrue(c.ignoreFailure && c.overrideArgv0 && c.noEnvironmentExpansion)
        XCTAssertTrue(try XCTUnwrap(CommandLineParser.parse("+/bin/true").get().first).fullPrivileges)
        XCTAssertTrue(try XCTUnwrap(CommandLineParser.parse("!!/bin/true").get().first).elevate)
    }

    func testSemicolonSeparatesCommandsAndEscapedSemicolonIsAnArgument() throws {
        let commands = try CommandLineParser.parse("/bin/echo a ; /bin/echo b \\;").get()
        XCTAssertEqual(commands.map(\.arguments), [["/bin/echo", "a"], ["/bin/echo", "b", ";"]])
    }

    func testBareNameIsSearchedInPathButRelativePathIsFatal() throws {
        XCTAssertEqual(try CommandLineParser.parse("true").get().first?.path, "true")
        XCTAssertEqual(CommandLineParser.parse("./x"),
                       .failure(.init(message: "Neither a valid executable name nor an absolute path: ./x", fatal: true)))
        XCTAssertEqual(CommandLineParser.parse("-+!!/bin/true"),
                       .failure(.init(message: "Neither a valid executable name nor an absolute path, ignoring: !!/bin/true",
                                      fatal: false)))
    }

    func testEmptyPathAndMissingArgv0Messages() {
        XCTAssertEqual(CommandLineParser.parse("-"), .failure(.init(message: "Empty path in command line, ignoring: '-'", fatal: false)))
        XCTAssertEqual(CommandLineParser.parse("@/bin/true"),
                       .failure(.init(message: "Empty executable name or zeroeth argument: @/bin/true", fatal: true)))
    }

    func testUnbalancedQuotingIsFatalInAServiceFile() throws {
        let (unit, diagnostics) = try loadService("[Service]\nExecStart=/bin/true \"open\nType=bogus\n")
        XCTAssertNil(unit)
        XCTAssertEqual(diagnostics, ["t.service:2: Unbalanced quoting, ignoring: \"/bin/true \"open\"",
                                     "t.service: Unit configuration has fatal error, unit will not be started."])
    }

    func testSpecifiersInCommandsAreExpandedPerWord() throws {
        let (unit, _) = try loadService("[Service]\nExecStart=/bin/echo %n \"%H x\"\n")
        XCTAssertEqual(unit?.execStart.first?.arguments, ["/bin/echo", "t.service", "host.example.org x"])
        let (bad, diagnostics) = try loadService("[Service]\nExecStart=/bin/echo %z\n")
        XCTAssertNil(bad)
        XCTAssertEqual(diagnostics.first, "t.service:2: Failed to resolve unit specifiers in %z: Invalid slot")
    }

    func testEmptyExecStartResetsTheList() throws {
        let (unit, _) = try loadService("[Service]\nType=oneshot\nExecStart=/bin/a\nExecStart=\nExecStart=/bin/b\nExecStart=/bin/c\n")
        XCTAssertEqual(unit?.execStart.map(\.path), ["/bin/b", "/bin/c"])
    }
}
