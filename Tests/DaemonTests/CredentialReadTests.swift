// Reading a LoadCredential= source as systemd bounds it (CREDENTIAL_SIZE_MAX, 1 MiB): a file
// of exactly that size loads, one byte more is refused naming the path, and an endless
// source such as /dev/zero is refused the same way instead of read forever.
import XCTest
import Glibc
@testable import Launch

final class CredentialReadTests: XCTestCase {
    private func file(size: Int) throws -> String {
        let path = NSTemporaryDirectory() + "/credential-\(UUID().uuidString)"
        try Data(repeating: 0x41, count: size).write(to: URL(fileURLWithPath: path))
        addTeardownBlock { unlink(path) }
        return path
    }

    func testACredentialOfOneMebibyteLoads() throws {
        let path = try file(size: SandboxDirectories.credentialSizeMax)
        XCTAssertEqual(try SandboxDirectories.readCredential(path).count, 1 << 20)
    }

    func testACredentialOneByteLargerOrEndlessIsRefusedNamingItsPath() throws {
        for path in [try file(size: SandboxDirectories.credentialSizeMax + 1), "/dev/zero"] {
            XCTAssertThrowsError(try SandboxDirectories.readCredential(path)) { error in
                XCTAssertEqual("\(error)", "Failed to set up credentials: \(path) is larger than 1M")
            }
        }
    }
}
