// The sd_notify endpoint usherd offers Type=notify services: an AF_UNIX
// datagram socket with SO_PASSCRED, so each message arrives with the sender's
// pid. Messages are read without blocking; fds sent along are closed.
import Glibc
import CSysShims

public struct NotifyDatagram: Sendable, Equatable {
    public var senderPID: Int32
    public var text: String
}

public final class NotifySocket {
    public let path: String
    public let fd: OwnedFD

    /// Binds `path` (replacing a stale node left by a crashed usherd).
    public init(path: String) throws {
        self.path = path
        let raw = try sysCall("socket(AF_UNIX, SOCK_DGRAM)", path) {
            socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        }
        fd = OwnedFD(adopting: raw)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw SystemError(call: "bind", object: path, errno: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        unlink(path)
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + 1)
        _ = try sysCall("bind", path) {
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(raw, $0, length) }
            }
        }
        _ = try sysCall("setsockopt(SO_PASSCRED)", path) { usher_enable_passcred(raw) }
    }

    /// The next pending datagram, or nil when none is waiting.
    public func receive() -> NotifyDatagram? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            var pid: pid_t = 0
            var uid: uid_t = 0
            let got = buffer.withUnsafeMutableBytes {
                usher_recv_with_credentials(fd.raw, $0.baseAddress, $0.count, &pid, &uid)
            }
            if got < 0 && errno == EINTR { continue }
            guard got >= 0 else { return nil }
            let length = min(got, buffer.count)
            return NotifyDatagram(senderPID: pid, text: String(decoding: buffer[0..<length], as: UTF8.self))
        }
    }

    /// Removes the node; the fd closes with this object.
    public func remove() {
        unlink(path)
    }
}

/// Creates a directory and its parents with `mode` (existing ones are kept).
public func makeDirectories(_ path: String, mode: mode_t = 0o755) throws {
    var current = path.hasPrefix("/") ? "" : "."
    for component in path.split(separator: "/") {
        current += "/" + component
        if mkdir(current, mode) < 0 && errno != EEXIST {
            throw SystemError(call: "mkdir", object: current, errno: errno)
        }
    }
}

public func fileExists(_ path: String) -> Bool { access(path, F_OK) == 0 }
