// The service environment's order and merging rules, EnvironmentFile= text,
// notify message parsing and exit-status names.
import XCTest
@testable import Activation

final class EnvironmentTests: XCTestCase {
    private func inputs() -> EnvironmentInputs {
        var inputs = EnvironmentInputs()
        inputs.lang = "C.UTF-8"
        inputs.listenFDNames = ["web", "web"]
        inputs.invocationID = "0123456789abcdef0123456789abcdef"
        return inputs
    }

    func testOrderIsLangPathNotifyListenInvocationThenUnitVariables() {
        var values = inputs()
        values.notifySocket = "/run/usher/notify"
        values.unitEnvironment = [("A", "1")]
        let environment = ServiceEnvironment(values)
        XCTAssertEqual(environment.entries, [
            "LANG=C.UTF-8", "PATH=\(ServiceEnvironment.defaultPath)", "NOTIFY_SOCKET=/run/usher/notify",
            "LISTEN_PID=", "LISTEN_FDS=2", "LISTEN_FDNAMES=web:web",
            "INVOCATION_ID=0123456789abcdef0123456789abcdef", "SYSTEMD_EXEC_PID=", "A=1",
        ])
        XCTAssertEqual(environment.pidSlots, [3, 7])
    }

    func testUserAddsHomeLognameUserShellBeforeInvocationID() {
        var values = inputs()
        values.identity = ServiceIdentity(user: "nobody", home: "/nonexistent", shell: "/usr/sbin/nologin")
        let entries = ServiceEnvironment(values).entries
        XCTAssertEqual(Array(entries[5...9]), ["HOME=/nonexistent", "LOGNAME=nobody", "USER=nobody",
                                               "SHELL=/usr/sbin/nologin", "INVOCATION_ID=0123456789abcdef0123456789abcdef"])
    }

    func testJournalStreamFollowsInvocationID() {
        var values = inputs()
        values.journalStream = "8:1234"
        values.unitEnvironment = [("A", "1")]
        XCTAssertEqual(Array(ServiceEnvironment(values).entries.suffix(3)),
                       ["JOURNAL_STREAM=8:1234", "SYSTEMD_EXEC_PID=", "A=1"])
    }

    func testLaterAssignmentsReplaceInPlaceAndFilesWin() {
        var values = inputs()
        values.passed = [("TERM", "xterm")]
        values.unitEnvironment = [("PATH", "/opt/bin"), ("X", "unit")]
        values.fileEnvironment = [("X", "file")]
        let entries = ServiceEnvironment(values).entries
        XCTAssertEqual(entries[1], "PATH=/opt/bin")
        XCTAssertEqual(Array(entries.suffix(2)), ["TERM=xterm", "X=file"])
    }

    func testUnsetEnvironmentRemovesByNameOrExactAssignment() {
        var values = inputs()
        values.unitEnvironment = [("A", "1"), ("B", "2")]
        values.unset = ["A", "B=3", "LANG"]
        let entries = ServiceEnvironment(values).entries
        XCTAssertFalse(entries.contains("A=1"))
        XCTAssertTrue(entries.contains("B=2"))
        XCTAssertFalse(entries.contains { $0.hasPrefix("LANG=") })
    }

    func testNoFdsMeansNoListenVariables() {
        var values = inputs()
        values.listenFDNames = []
        let environment = ServiceEnvironment(values)
        XCTAssertEqual(environment.pidSlots, [3], "only SYSTEMD_EXEC_PID")
        XCTAssertFalse(environment.entries.contains { $0.hasPrefix("LISTEN_") })
    }

    func testEnvironmentFileHandlesCommentsQuotesExportAndContinuations() {
        let text = "# comment\n; other\nexport A=1\nB=\"two words\"\nC='x y'\nD=a\\\nb\nbad line\n9X=no\n E = spaced \n"
        let pairs = ServiceEnvironment.parseFile(text).map { "\($0.0)=\($0.1)" }
        XCTAssertEqual(pairs, ["A=1", "B=two words", "C=x y", "D=ab", "E=spaced"])
    }

    func testNotifyMessageParsesTheKeysUsherdActsOn() {
        let message = NotifyMessage("READY=1\nSTATUS=Serving 3 clients\nMAINPID=42\nX_CUSTOM=y\n")
        XCTAssertEqual(message.lastStateChange, .ready)
        XCTAssertEqual(message.status, "Serving 3 clients")
        XCTAssertEqual(message.mainPID, 42)
        XCTAssertEqual(message.assignments.count, 4)
    }

    func testExitStatusPrintsSystemdNames() {
        XCTAssertEqual(ExitStatus.exited(203).description, "code=exited, status=203/EXEC")
        XCTAssertEqual(ExitStatus.killed(signal: 9).description, "code=killed, signal=KILL")
        XCTAssertEqual(ExitStatus.signalNumber("SIGTERM"), 15)
        XCTAssertEqual(ExitStatus.signalNumber("HUP"), 1)
        XCTAssertTrue(ExitStatus.killed(signal: 15).isClean(successStatuses: []))
        XCTAssertFalse(ExitStatus.exited(3).isClean(successStatuses: []))
        XCTAssertTrue(ExitStatus.exited(3).isClean(successStatuses: [3]))
    }
}

final class CommandExpansionTests: XCTestCase {
    func testWholeWordDollarNameSplitsAndBracedNameDoesNot() {
        let environment = ["ARGS": "-a  -b", "DIR": "/srv/my dir"]
        XCTAssertEqual(CommandExpansion.expand(["/bin/x", "$ARGS", "--dir=${DIR}", "$$HOME", "$MISSING"],
                                               environment: environment),
                       ["/bin/x", "-a", "-b", "--dir=/srv/my dir", "$HOME"])
    }

    func testDictionaryKeepsTheLastAssignment() {
        XCTAssertEqual(CommandExpansion.dictionary(["A=1", "B=x=y", "A=2"]), ["A": "2", "B": "x=y"])
    }
}
