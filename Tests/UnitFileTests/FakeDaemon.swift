// A stand-in for usherd's control socket: an AF_UNIX listener in a temp
// directory, served by a thread that reads one framed request per connection,
// records its raw bytes, and writes the framed responses a handler returns
// (optionally holding the connection open afterwards, as `logs -f` expects).
// Call stop() when done: the serving thread holds the fake until then.

import ControlProtocol
import Foundation
import Glibc

final class FakeDaemon: @unchecked Sendable {
    /// What the handler decides for one request: the responses, and whether to close after them.
    struct Answer {
        var responses: [ControlResponse]
        var holdOpen = false
        /// A body framed as it is, after the responses: what a broken daemon might send.
        var raw: [UInt8]? = nil
    }

    let directory: String
    var path: String { directory + "/control" }
    private let listener: Int32
    private let lock = NSLock()
    private var recorded: [[UInt8]] = []
    private var held: [Int32] = []

    init(_ handler: @escaping @Sendable (ControlRequest) -> Answer) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("usherctl-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        listener = try Self.listen(at: directory + "/control")
        let thread = Thread { [self] in serve(handler) }
        thread.start()
    }

    /// Stops serving, closes held connections and removes the directory.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        lock.withLock { held.forEach { close($0) } }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Each request's bytes as they arrived, length prefix included.
    var rawRequests: [[UInt8]] { lock.withLock { recorded } }

    var requests: [ControlRequest] {
        rawRequests.compactMap { try? ControlProtocol.decode(ControlRequest.self, from: $0.dropFirst(4)) }
    }

    private static func listen(at path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, 8) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        return fd
    }

    private func serve(_ handler: (ControlRequest) -> Answer) {
        while true {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            guard let raw = Self.readFrame(connection),
                  let request = try? ControlProtocol.decode(ControlRequest.self, from: raw.dropFirst(4)) else {
                close(connection)
                continue
            }
            lock.withLock { recorded.append(raw) }
            let answer = handler(request)
            var frames = answer.responses.compactMap { try? ControlProtocol.frame($0) }
            if let raw = answer.raw { frames.append(Self.framed(raw)) }
            for bytes in frames {
                _ = bytes.withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
            }
            if answer.holdOpen { lock.withLock { held.append(connection) } } else { close(connection) }
        }
    }

    private static func framed(_ body: [UInt8]) -> [UInt8] {
        let length = UInt32(body.count)
        return [24, 16, 8, 0].map { UInt8((length >> $0) & 0xff) } + body
    }

    /// The length prefix and the body it announces.
    private static func readFrame(_ fd: Int32) -> [UInt8]? {
        guard let prefix = readExactly(fd, 4), let length = ControlProtocol.announcedLength(prefix[...]) else { return nil }
        guard let body = readExactly(fd, length) else { return nil }
        return prefix + body
    }

    private static func readExactly(_ fd: Int32, _ count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + got, count - got) }
            guard n > 0 else { return nil }
            got += n
        }
        return bytes
    }
}
