// The xinetd importer, one behaviour at a time: each attribute row's unit
// lines, defaults inheritance with `+=`/`-=`, disabled/enabled lists,
// includes, only_from/no_access address forms, and what is reported as not
// mapped (a comment in the unit and a line on stderr).

import Foundation
import XCTest
@testable import UnitFile

final class XinetdImportTests: XCTestCase {
    static let services = ServicesFile(text: "echo 7/tcp\necho 7/udp\nftp 21/tcp\nsink 9/tcp discard\n")
    static let options = ImportOptions(servicesFile: services, includeDisabled: false)

    func importing(_ text: String) -> ImportResult {
        let (items, notes) = XinetdParser.parse(text, file: "x.conf")
        let stanzas = items.compactMap { item -> XinetdStanza? in
            if case .stanza(let stanza) = item { return stanza }
            return nil
        }
        var result = XinetdImport.importStanzas(stanzas, options: Self.options)
        result.problems = notes + result.problems
        return result
    }

    func unit(_ result: ImportResult, _ name: String) -> [String] {
        (result.units.first { $0.name == name }?.text ?? "").split(separator: "\n").map(String.init)
    }

    func ftp(_ attributes: String) -> String {
        "service ftp\n{\n socket_type = stream\n wait = no\n user = root\n server = /usr/sbin/in.ftpd\n\(attributes)\n}\n"
    }

    func testEachMappedAttributeWritesItsUnitLine() {
        let cases: [(attribute: String, unit: String, line: String)] = [
            ("server_args = -l -a", "ftp@.service", "ExecStart=/usr/sbin/in.ftpd -l -a"),
            ("group = ftp", "ftp@.service", "Group=ftp"),
            ("nice = 10", "ftp@.service", "Nice=10"),
            ("env = A=1 B=two%", "ftp@.service", "Environment=A=1 B=two%%"),
            ("passenv = PATH TZ", "ftp@.service", "PassEnvironment=PATH TZ"),
            ("umask = 022", "ftp@.service", "UMask=022"),
            ("rlimit_files = 1024", "ftp@.service", "LimitNOFILE=1024"),
            ("rlimit_as = UNLIMITED", "ftp@.service", "LimitAS=infinity"),
            ("instances = 30", "ftp.socket", "MaxConnections=30"),
            ("per_source = 5", "ftp.socket", "MaxConnectionsPerSource=5"),
            ("port = 2121", "ftp.socket", "ListenStream=[::]:2121"),
            ("user = ftp", "ftp.socket", "BindIPv6Only=both"),
            ("flags = IPv4", "ftp.socket", "ListenStream=0.0.0.0:21"),
            ("flags = IPv6 IPv4", "ftp.socket", "ListenStream=[::]:21"),
            ("v6only = yes", "ftp.socket", "BindIPv6Only=ipv6-only"),
            ("bind = 127.0.0.1", "ftp.socket", "ListenStream=127.0.0.1:21"),
            ("interface = ::1", "ftp.socket", "ListenStream=[::1]:21"),
            ("flags = IPv6", "ftp.socket", "ListenStream=[::]:21"),
            ("flags = IPv6", "ftp.socket", "BindIPv6Only=both"),
            ("flags = NODELAY KEEPALIVE", "ftp.socket", "KeepAlive=yes"),
            ("protocol = sctp\n port = 21", "ftp.socket", "SocketProtocol=sctp"),
            ("server_args = tcpd-name -x\n flags = NAMEINARGS", "ftp@.service", "ExecStart=@/usr/sbin/in.ftpd tcpd-name -x"),
            ("server_args = a\\b \"q\" $HOME", "ftp@.service", #"ExecStart=/usr/sbin/in.ftpd "a\\b" "\"q\"" $$HOME"#),
            ("only_from = 10.0.0.0 192.168.1.7", "ftp.socket", "IPAddressAllow=10.0.0.0/8 192.168.1.7"),
            ("no_access = 10.1.2.3", "ftp.socket", "IPAddressDeny=10.1.2.3"),
        ]
        for (attribute, name, line) in cases {
            let result = importing(ftp(attribute))
            XCTAssertTrue(unit(result, name).contains(line), "\(attribute) → \(name) should contain \(line):\n\(unit(result, name))")
            XCTAssertTrue(result.complete, "\(attribute): \(result.problems)")
        }
    }

    /// A valid value for every mapped row: a row added to the table without one fails here.
    static let sampleValues: [String: String] = [
        "id": "ftp-x", "type": "UNLISTED", "flags": "REUSE", "disable": "no", "socket_type": "stream", "protocol": "tcp",
        "wait": "no", "user": "ftp", "group": "ftp", "instances": "UNLIMITED", "per_source": "3", "nice": "-5",
        "server": "/bin/true", "server_args": "-v", "port": "2121", "bind": "127.0.0.1", "interface": "127.0.0.1", "v6only": "no",
        "env": "A=1", "passenv": "PATH", "only_from": "127.0.0.1", "no_access": "10.0.0.1", "umask": "077",
        "rlimit_as": "8M", "rlimit_files": "64", "rlimit_cpu": "10", "rlimit_data": "1K", "rlimit_rss": "UNLIMITED",
        "rlimit_stack": "1M", "groups": "yes",
    ]

    func testEveryRowOfTheAttributeTableIsClassifiedAsItsMappingSays() {
        for row in XinetdAttributes.all {
            let value = Self.sampleValues[row.name] ?? "x"
            let result = importing(ftp("\(row.name) = \(value)"))
            let socket = result.units.first { $0.name.hasSuffix(".socket") }?.text ?? ""
            switch row.mapping {
            case .apply:
                XCTAssertNotNil(Self.sampleValues[row.name], "\(row.name): add a sample value")
                XCTAssertTrue(result.complete, "\(row.name) = \(value): \(result.problems)")
                XCTAssertEqual(result.units.count, 2, row.name)
            case .covered:
                XCTAssertTrue(result.complete, row.name)
                XCTAssertTrue(socket.contains("# Needs nothing under usherd:\n# x.conf:7: \(row.name) = x: "), socket)
            case .unmapped:
                XCTAssertEqual(result.problems.map(\.text).first?.hasPrefix("x.conf:7: \(row.name) = x: "), true, row.name)
                XCTAssertTrue(socket.contains("# Not mapped (the import is incomplete):"), row.name)
            }
        }
    }

    func testProtocolUdpWithoutSocketTypeIsADatagramService() {
        let result = importing("service echo\n{\n type = INTERNAL\n protocol = udp\n wait = yes\n}\n")
        XCTAssertTrue(result.units.first?.text.contains("ListenDatagram=[::]:7") == true, "\(result.units)")
    }

    func testWaitYesWritesAPlainServiceWithAcceptNo() {
        let result = importing(ftp("wait = yes").replacingOccurrences(of: " wait = no\n", with: ""))
        XCTAssertEqual(result.units.map(\.name), ["ftp.socket", "ftp.service"])
        XCTAssertTrue(unit(result, "ftp.socket").contains("Accept=no"))
        XCTAssertTrue(unit(result, "ftp.service").contains("StandardInput=socket"), "\(result.units)")
        XCTAssertFalse(result.warnings.contains { $0.message.contains("StandardInput=socket") }, "usherd passes the socket on stdin")
    }

    func testUnmappableAttributesAreCommentedInTheUnitAndReportedWithTheirLine() {
        let result = importing(ftp("cps = 50 10\n access_times = 8:00-17:00\n flags = SENSOR\n frobnicate = 1"))
        XCTAssertEqual(result.problems.map(\.text), [
            "x.conf:7: cps = 50 10: usherd has no connection-rate limit that pauses a service",
            "x.conf:8: access_times = 8:00-17:00: usherd has no time-of-day access windows",
            "x.conf:10: frobnicate = 1: unknown attribute",
            "x.conf:9: flags = SENSOR: SENSOR: usherd has no SENSOR blocklist",
        ])
        XCTAssertEqual(result.reportLines.first, "x.conf:7: cps = 50 10: usherd has no connection-rate limit that pauses a service")
        let socket = unit(result, "ftp.socket")
        XCTAssertTrue(socket.contains("# Not mapped (the import is incomplete):"))
        XCTAssertTrue(socket.contains("# x.conf:10: frobnicate = 1: unknown attribute"))
        XCTAssertFalse(result.complete)
    }

    func testLoggingAttributesNeedNothingAndKeepTheImportComplete() {
        let result = importing(ftp("log_on_success = PID HOST\n log_type = SYSLOG daemon info"))
        XCTAssertTrue(result.complete)
        XCTAssertTrue(unit(result, "ftp.socket").contains("# Needs nothing under usherd:"))
    }

    func testOnlyFromAllowsTheListRefusesTheRestAndWarnsThatUsherdDoesNotEnforceIt() {
        let result = importing(ftp("only_from = 127.0.0.1"))
        XCTAssertTrue(unit(result, "ftp.socket").contains("IPAddressAllow=127.0.0.1"))
        XCTAssertTrue(unit(result, "ftp.socket").contains("IPAddressDeny=any"))
        XCTAssertEqual(result.warnings.map(\.text),
                       ["x.conf:7: only_from: written as IPAddressAllow=/IPAddressDeny=, which usherd does not enforce yet"])
        XCTAssertTrue(unit(importing(ftp("only_from =")), "ftp.socket").contains("IPAddressDeny=any"), "empty: nobody")
    }

    func testXinetdAddressFormsBecomeSystemdPrefixes() {
        let cases: [(String, [String]?)] = [
            ("0.0.0.0", ["any"]), ("128.138.12.0", ["128.138.12.0/24"]), ("128.138.0.0", ["128.138.0.0/16"]),
            ("1.2.3.4/32", ["1.2.3.4/32"]), ("1234::/46", ["1234::/46"]), ("localhost", ["localhost"]),
            ("128.138.{1,2}", ["128.138.1.0/24", "128.138.2.0/24"]), ("10.0.0.{5,6}", ["10.0.0.5", "10.0.0.6"]),
            (".example.org", nil), ("host.example.org", nil), ("1.2.3.4/40", nil),
        ]
        for (value, expected) in cases { XCTAssertEqual(XinetdAddresses.convert(value), expected, value) }
    }

    func testDefaultsFillInWhatTheServiceLeavesOutAndPlusEqualsExtendsTheList() {
        let text = "defaults\n{\n instances = 8\n only_from = 10.0.0.1\n}\n"
            + ftp("only_from += 10.0.0.2").replacingOccurrences(of: "service ftp", with: "service ftp\n")
        let socket = unit(importing(text), "ftp.socket")
        XCTAssertTrue(socket.contains("MaxConnections=8"), socket.joined(separator: "\n"))
        XCTAssertTrue(socket.contains("IPAddressAllow=10.0.0.1 10.0.0.2"))
        XCTAssertTrue(unit(importing(text.replacingOccurrences(of: "+=", with: "=")), "ftp.socket")
            .contains("IPAddressAllow=10.0.0.2"), "'=' replaces the inherited list")
    }

    func testAnUnmappedDefaultIsCommentedInEveryUnitButReportedOnce() {
        let result = importing("defaults\n{\n cps = 25 30\n}\n" + ftp("id = ftp-a") + ftp("id = ftp-b\n port = 2121"))
        XCTAssertEqual(result.reportLines, ["x.conf:3: cps = 25 30: usherd has no connection-rate limit that pauses a service"])
        XCTAssertEqual(result.units.filter { $0.text.contains("# x.conf:3: cps = 25 30") }.map(\.name), ["ftp-a.socket", "ftp-b.socket"])
    }

    func testDefaultsDisabledAndEnabledListsSwitchServicesOffById() {
        let two = ftp("id = ftp-a") + ftp("id = ftp-b\n port = 2121")
        XCTAssertEqual(importing("defaults\n{\n disabled = ftp-a\n}\n" + two).units.map(\.name), ["ftp-b.socket", "ftp-b@.service"])
        XCTAssertEqual(importing("defaults\n{\n enabled = ftp-a\n}\n" + two).units.map(\.name), ["ftp-a.socket", "ftp-a@.service"])
        XCTAssertEqual(importing(ftp("disable = yes")).units, [])
    }

    func testTheSameServiceOverTwoProtocolsGetsTheProtocolInTheSecondUnitName() {
        let udp = "service echo\n{\n type = INTERNAL\n socket_type = dgram\n protocol = udp\n wait = yes\n}\n"
        let tcp = udp.replacingOccurrences(of: "dgram", with: "stream").replacingOccurrences(of: "udp", with: "tcp")
            .replacingOccurrences(of: "yes", with: "no")
        XCTAssertEqual(importing(tcp + udp).units.map(\.name), ["echo.socket", "echo@.service", "echo-udp.socket", "echo-udp.service"])
    }

    func testAServiceWithoutPortMissingFromTheServicesFileIsNotImported() {
        let result = importing(ftp("").replacingOccurrences(of: "service ftp", with: "service gopher"))
        XCTAssertEqual(result.units, [])
        XCTAssertEqual(result.problems.map(\.message), ["service gopher not imported: no port, and gopher/tcp is not in the services file"])
    }

    func testServicesFileAliasesAndIPv6ProtocolsFindThePort() {
        XCTAssertEqual(Self.services.port(of: "discard", protocolName: "tcp6"), 9)
        XCTAssertEqual(Self.services.port(of: "echo", protocolName: nil), 7)
        XCTAssertNil(Self.services.port(of: "ftp", protocolName: "udp"))
    }

    func testMalformedStanzasAreReportedWithTheirLine() {
        let result = importing("service a\nnot a brace\n}\nbogus line\nservice b\n{\n user root\n")
        XCTAssertEqual(result.problems.map(\.text), [
            "x.conf:2: expected '{' after the stanza header, ignoring the stanza",
            "x.conf:2: unknown line 'not a brace', ignoring",
            "x.conf:3: '}' outside a stanza, ignoring",
            "x.conf:4: unknown line 'bogus line', ignoring",
            "x.conf:7: cannot read 'user root' as 'attribute = value', ignoring",
            "x.conf:5: stanza is not closed with '}', ignoring it",
        ])
    }

    func testIncludeDirReadsFilesInCOrderAndSkipsDottedAndBackupNames() throws {
        XCTAssertEqual(XinetdReader.includedFileNames(["b", "a~", "B", "x.rpmsave", "a", "_z"]), ["B", "_z", "a", "b"])
        let dir = try UnitDirectory()
        try dir.write("main.conf", "include extra\nincludedir d\n")
        try dir.write("extra", ftp("id = first"))
        try dir.write("d/b", ftp("id = third\n port = 3"))
        try dir.write("d/a", ftp("id = second\n port = 2"))
        try dir.write("d/c.dpkg-old", ftp("id = skipped\n port = 4"))
        let (stanzas, notes) = XinetdReader.read(dir.path + "/main.conf")
        XCTAssertEqual(notes, [])
        XCTAssertEqual(stanzas.map { $0.attributes.first { $0.name == "id" }?.values.first ?? "" }, ["first", "second", "third"])
    }
}
