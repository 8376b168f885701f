// The sandboxing and credentials keys as the loader reads them (values,
// prefixes, resets, bad values), and the policy for protections usherd does
// not enforce: a warning naming them by default, a refusal under
// --strict-sandboxing, and the namespace keys unenforced for a non-root usherd.

import Foundation
import UnitModel
import XCTest
@testable import UnitFile

final class SandboxingKeysTests: XCTestCase {
    func service(_ body: String) throws -> (ServiceUnit?, [String]) {
        try loadService("[Service]\nExecStart=/bin/true\n" + body)
    }

    func testSwitchKeysTakeSystemdsValues() throws {
        let (unit, diagnostics) = try service("""
            ProtectSystem=strict
            ProtectHome=read-only
            PrivateTmp=yes
            PrivateDevices=true
            PrivateNetwork=1
            ProtectHostname=yes
            ProtectKernelTunables=yes
            ProtectKernelModules=yes
            ProtectKernelLogs=yes
            ProtectControlGroups=yes
            ProtectProc=invisible
            ProcSubset=pid
            """)
        XCTAssertEqual(diagnostics, [])
        let fs = try XCTUnwrap(unit?.exec.filesystem)
        XCTAssertEqual(fs.protectSystem, .strict)
        XCTAssertEqual(fs.protectHome, .readOnly)
        XCTAssertTrue(fs.privateTmp && fs.privateDevices && fs.privateNetwork && fs.protectHostname)
        XCTAssertTrue(fs.protectKernelTunables && fs.protectKernelModules && fs.protectKernelLogs && fs.protectControlGroups)
        XCTAssertEqual(fs.protectProc, .invisible)
        XCTAssertEqual(fs.procSubset, .pid)
        XCTAssertEqual(unit?.exec.securityKeys.first, "ProtectSystem")
    }

    func testProtectSystemAndHomeAcceptBooleansAndWarnOnOtherWords() throws {
        let (unit, diagnostics) = try service("ProtectSystem=true\nProtectHome=no\nProtectHome=sideways\n")
        XCTAssertEqual(unit?.exec.filesystem.protectSystem, .yes)
        XCTAssertEqual(unit?.exec.filesystem.protectHome, ProtectHome.no)
        XCTAssertEqual(diagnostics, ["t.service:5: Failed to parse protect home value, ignoring: sideways"])
    }

    func testPathListsTakePrefixesAndAnEmptyValueResets() throws {
        let (unit, diagnostics) = try service("""
            ReadWritePaths=/var/lib/a -/var/lib/missing
            ReadOnlyPaths=+/etc//x/ -+/opt
            InaccessiblePaths=/root
            InaccessiblePaths=
            InaccessiblePaths=-/home
            ReadWriteDirectories=relative/path
            """)
        let fs = try XCTUnwrap(unit?.exec.filesystem)
        XCTAssertEqual(fs.readWritePaths, [PathRule(path: "/var/lib/a"), PathRule(path: "/var/lib/missing", optional: true)])
        XCTAssertEqual(fs.readOnlyPaths, [PathRule(path: "/etc/x", underRoot: true),
                                          PathRule(path: "/opt", optional: true, underRoot: true)])
        XCTAssertEqual(fs.inaccessiblePaths, [PathRule(path: "/home", optional: true)])
        XCTAssertEqual(diagnostics, ["t.service:8: Not an absolute path, ignoring: relative/path"])
    }

    func testTemporaryFileSystemAndBindPathsParseTheirParts() throws {
        let (unit, diagnostics) = try service("""
            TemporaryFileSystem=/var:ro /srv/scratch
            BindPaths=/data -/opt/x:/srv/x:norbind
            BindReadOnlyPaths=/etc/hostname:/run/h bad::a:b
            """)
        let fs = try XCTUnwrap(unit?.exec.filesystem)
        XCTAssertEqual(fs.temporaryFileSystems, [TemporaryFileSystem(path: "/var", options: "ro"),
                                                 TemporaryFileSystem(path: "/srv/scratch", options: "")])
        XCTAssertEqual(fs.bindPaths, [
            BindRule(source: "/data", destination: "/data", readOnly: false),
            BindRule(source: "/opt/x", destination: "/srv/x", optional: true, recursive: false, readOnly: false),
            BindRule(source: "/etc/hostname", destination: "/run/h", readOnly: true),
        ])
        XCTAssertEqual(diagnostics, ["t.service:5: Invalid bind mount specification, ignoring: bad::a:b"])
    }

    func testCredentialsKeepFileOrderAndUnescapeSetValues() throws {
        let (unit, diagnostics) = try service("""
            LoadCredential=tls:/etc/ssl/key.pem
            LoadCredential=imported
            SetCredential=motd:hello\\nworld
            SetCredential=bad/id:x
            LoadCredentialEncrypted=secret:/etc/secret.cred
            """)
        XCTAssertEqual(unit?.exec.filesystem.credentials, [
            CredentialSource(id: "tls", origin: .load(path: "/etc/ssl/key.pem")),
            CredentialSource(id: "imported", origin: .load(path: "imported")),
            CredentialSource(id: "motd", origin: .set(value: Array("hello\nworld".utf8))),
        ])
        XCTAssertEqual(diagnostics, [
            "t.service:6: Credential name \"bad/id\" not valid, ignoring.",
            "t.service:7: Key 'LoadCredentialEncrypted' in section [Service]: protection not enforced by usherd, ignoring.",
            "t.service: Protection not enforced by usherd: LoadCredentialEncrypted=.",
        ])
    }

    func testUnenforcedProtectionIsAWarningByDefaultAndARefusalWhenStrict() throws {
        let text = "[Service]\nExecStart=/bin/true\nProtectSystem=strict\nIPAddressDeny=any\n"
        let (unit, diagnostics) = try loadService(text)
        XCTAssertNotNil(unit)
        XCTAssertEqual(diagnostics.last, "t.service: Protection not enforced by usherd: IPAddressDeny=.")

        let dir = try UnitDirectory()
        try dir.write("t.service", text)
        var loader = dir.loader
        loader.sandboxing = SandboxingPolicy(strict: true, privileged: true)
        let (refused, errors) = loader.loadService(UnitName("t.service"))
        XCTAssertNil(refused)
        XCTAssertEqual(errors.last?.text,
                       "t.service: Protection not enforced by usherd: IPAddressDeny=. Refusing (--strict-sandboxing).")
    }

    func testOldDirectoriesSpellingsAreAliasesOfThePathsKeys() throws {
        let (unit, _) = try service("ReadOnlyDirectories=/srv\nInaccessibleDirectories=/mnt\n")
        XCTAssertEqual(unit?.exec.filesystem.readOnlyPaths, [PathRule(path: "/srv")])
        XCTAssertEqual(unit?.exec.filesystem.inaccessiblePaths, [PathRule(path: "/mnt")])
        XCTAssertEqual(unit?.exec.securityKeys, ["ReadOnlyDirectories", "InaccessibleDirectories"])
    }

    func testNamespaceKeysAreUnenforcedForANonRootUsherdButCredentialsAreNot() {
        let keys = ["ProtectSystem", "PrivateNetwork", "LoadCredential", "User"]
        XCTAssertEqual(SecurityKeys.unenforced(keys, privileged: true), [])
        XCTAssertEqual(SecurityKeys.unenforced(keys, privileged: false), ["ProtectSystem", "PrivateNetwork"])
    }

    func testSecurityTableNamesEachKeyOnceAndEverySystemdKeyInIt() {
        let keys = SecurityKeys.table.map(\.key)
        XCTAssertEqual(keys.count, Set(keys).count)
        let service = Set(Systemd252Keys.bySection.first { $0.0 == "Service" }?.1 ?? [])
        XCTAssertEqual(keys.filter { !service.contains($0) }, [])
        XCTAssertTrue(SecurityKeys.listing().contains("ProtectSystem=\tfilesystem\tenforced"))
        XCTAssertTrue(SecurityKeys.listing().contains("DeviceAllow=\tcgroup access control\tnot enforced"))
    }
}
