// What the Swift examples share, Glibc only (no libsystemd, no Foundation):
// the listening fds as sd_listen_fds(3) describes them (LISTEN_PID must be
// ours, LISTEN_FDS counts fds from 3, LISTEN_FDNAMES names them), sd_notify
// datagrams, the watchdog interval, and the line protocol of the stream examples.
import Glibc

enum Activation {
    static let listenFdsStart: Int32 = 3

    static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// The inherited fds with their names; the variables are unset afterwards.
    static func listenFds() -> [(fd: Int32, name: String)] {
        defer { for name in ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"] { unsetenv(name) } }
        guard environment("LISTEN_PID") == String(getpid()),
              let count = environment("LISTEN_FDS").flatMap({ Int32($0) }), count > 0 else { return [] }
        let names = (environment("LISTEN_FDNAMES") ?? "").split(separator: ":", omittingEmptySubsequences: false)
        return (0..<count).map { index in
            (listenFdsStart + index, Int(index) < names.count ? String(names[Int(index)]) : "unknown")
        }
    }

    /// One datagram to $NOTIFY_SOCKET (a path, or @name for the abstract namespace).
    static func notify(_ message: String) {
        guard let path = environment("NOTIFY_SOCKET"), !path.isEmpty else { return }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        _ = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, message, message.utf8.count, 0, $0, length) }
        }
    }

    /// Half of WATCHDOG_USEC in microseconds when the watchdog is meant for us, else nil.
    static func watchdogInterval() -> UInt32? {
        guard let usec = environment("WATCHDOG_USEC").flatMap({ UInt64($0) }), usec > 0 else { return nil }
        if let pid = environment("WATCHDOG_PID"), pid != String(getpid()) { return nil }
        return UInt32(clamping: usec / 2)
    }

    /// Accepts connections one at a time and answers each line with "PREFIX PID: LINE".
    static func serveLines(_ listener: Int32, prefix: String) -> Never {
        while true {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { continue }
            // One stream per direction: "r+" may not switch from reading to writing without a seek.
            guard let input = fdopen(connection, "r"), let output = fdopen(dup(connection), "w") else {
                close(connection)
                continue
            }
            while let line = readLine(from: input) {
                fputs("\(prefix) \(getpid()): \(line)\n", output)
                fflush(output)
            }
            fclose(output)
            fclose(input)
        }
    }

    static func readLine(from stream: UnsafeMutablePointer<FILE>) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        guard fgets(&buffer, Int32(buffer.count), stream) != nil else { return nil }
        let line = String(cString: buffer)
        return line.hasSuffix("\n") ? String(line.dropLast()) : line
    }
}
