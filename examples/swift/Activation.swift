// What the Swift examples share, Glibc only (no libsystemd, no Foundation):
// the listening fds as sd_listen_fds(3) describes them (LISTEN_PID must be
// ours, LISTEN_FDS counts fds from 3, LISTEN_FDNAMES names them), sd_notify
// datagrams (with fds attached, for the fd store), the watchdog interval, and
// the line protocol of the stream examples.
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

    /// One datagram to $NOTIFY_SOCKET (a path, or @name for the abstract
    /// namespace), with `fds` attached as SCM_RIGHTS for FDSTORE=1 (as
    /// sd_pid_notify_with_fds(3) does). False when it was not sent.
    @discardableResult
    static func notify(_ message: String, fds: [Int32] = []) -> Bool {
        guard let path = environment("NOTIFY_SOCKET"), !path.isEmpty else { return false }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var text = Array(message.utf8)
        var control = rightsMessage(fds)
        return text.withUnsafeMutableBytes { text in
            control.withUnsafeMutableBytes { control in
                withUnsafeMutablePointer(to: &address) { address in
                    var vector = iovec(iov_base: text.baseAddress, iov_len: text.count)
                    return withUnsafeMutablePointer(to: &vector) { vector in
                        var header = msghdr(msg_name: UnsafeMutableRawPointer(address), msg_namelen: length,
                                            msg_iov: vector, msg_iovlen: 1,
                                            msg_control: control.isEmpty ? nil : control.baseAddress,
                                            msg_controllen: control.count, msg_flags: 0)
                        return sendmsg(fd, &header, Int32(MSG_NOSIGNAL)) == text.count
                    }
                }
            }
        }
    }

    /// The control message that carries `fds` (SCM_RIGHTS), laid out as
    /// CMSG_SPACE() would: Glibc's CMSG_* macros do not reach Swift. Empty without fds.
    static func rightsMessage(_ fds: [Int32]) -> [UInt8] {
        guard !fds.isEmpty else { return [] }
        let align = MemoryLayout<Int>.size  // CMSG_ALIGN rounds to sizeof(size_t)
        func aligned(_ size: Int) -> Int { (size + align - 1) / align * align }
        let headerSize = aligned(MemoryLayout<cmsghdr>.size)
        let dataSize = fds.count * MemoryLayout<Int32>.size
        var buffer = [UInt8](repeating: 0, count: headerSize + aligned(dataSize))
        buffer.withUnsafeMutableBytes { raw in
            var header = cmsghdr()  // no memberwise init: its data is a flexible array member
            header.cmsg_len = headerSize + dataSize
            header.cmsg_level = SOL_SOCKET
            header.cmsg_type = Int32(SCM_RIGHTS)
            raw.storeBytes(of: header, as: cmsghdr.self)
            for (index, fd) in fds.enumerated() {
                raw.storeBytes(of: fd, toByteOffset: headerSize + index * MemoryLayout<Int32>.size, as: Int32.self)
            }
        }
        return buffer
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
