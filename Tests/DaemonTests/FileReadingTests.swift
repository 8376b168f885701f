// FileReading, the one whole-file reader (unit files, procfs and environment files,
// credentials, the re-exec state): a sized file in full, a procfs file whose size says 0,
// a pipe read to its end, a limit that still tells "larger", and errors naming the path.
import XCTest
import Glibc
import UsherSys

final class FileReadingTests: XCTestCase {
    private func temporaryFile(_ bytes: [UInt8]) throws -> String {
        let path = NSTemporaryDirectory() + "/file-reading-\(UUID().uuidString)"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        addTeardownBlock { unlink(path) }
        return path
    }

    func testARegularFileIsReadWholeEmptyOrNot() throws {
        let big = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        XCTAssertEqual(try FileReading.contents(of: try temporaryFile(big)), big)
        XCTAssertEqual(try FileReading.contents(of: try temporaryFile([])), [])
        XCTAssertEqual(try FileReading.contents(of: try temporaryFile(Array("x\n".utf8))), Array("x\n".utf8))
    }

    func testAProcfsFileWhoseSizeSaysZeroIsReadToItsEnd() throws {
        let text = String(decoding: try FileReading.contents(of: "/proc/self/status"), as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("Name:"), text)
        XCTAssertTrue(text.contains("\nPid:\t\(getpid())\n"), text)
    }

    func testAPipeIsReadUntilItsWriterCloses() throws {
        let (reader, writer) = try OwnedFD.pipe()
        // Less than the pipe's 64 KiB: written whole before anything reads.
        let bytes = (0..<50_000).map { UInt8(truncatingIfNeeded: $0) }
        try BlockingIO.writeAll(writer.raw, bytes)
        XCTAssertEqual(close(writer.release()), 0)
        XCTAssertEqual(try FileReading.readAll(reader.raw, object: "pipe"), bytes)
    }

    func testALimitStopsTheReadButStillTellsThatThereWasMore() throws {
        let path = try temporaryFile(Array(repeating: 65, count: 5000))
        let limited = try FileReading.contents(of: path, limit: 100)
        XCTAssertGreaterThan(limited.count, 100, "more than the limit came")
        XCTAssertLessThan(limited.count, 5000, "reading stopped")
        XCTAssertEqual(try FileReading.contents(of: path, limit: 5000).count, 5000)
    }

    func testAMissingFileThrowsNamingThePath() {
        XCTAssertThrowsError(try FileReading.contents(of: "/nonexistent/usher-file")) { error in
            XCTAssertEqual("\(error)", "open /nonexistent/usher-file: No such file or directory")
        }
    }
}
