// An inotify instance: a non-blocking CLOEXEC fd, directory watches added by
// path, and the pending events read back as values (watch, mask, name). It
// knows nothing about units; usherd --watch decides what a change means.
import Glibc

/// One inotify event: which watch, what happened (IN_* bits), and the entry's name.
public struct InotifyEvent: Sendable, Equatable {
    public var watch: Int32
    public var mask: UInt32
    /// The entry inside the watched directory; empty for events on the directory itself.
    public var name: String

    public init(watch: Int32, mask: UInt32, name: String) {
        self.watch = watch
        self.mask = mask
        self.name = name
    }

    public var isDirectory: Bool { mask & UInt32(IN_ISDIR) != 0 }
    /// The kernel dropped events (IN_Q_OVERFLOW): anything may have changed.
    public var isOverflow: Bool { mask & UInt32(IN_Q_OVERFLOW) != 0 }
    /// The watch is gone (IN_IGNORED): its directory was removed or unmounted.
    public var isWatchGone: Bool { mask & UInt32(IN_IGNORED) != 0 }
}

public final class Inotify {
    public let fd: OwnedFD
    /// What a unit directory watch reports: entries created, deleted, written,
    /// renamed in or out, attributes (a symlink retargeted by `ln -sf` is a
    /// create after a delete; touch changes attributes), and the directory itself going away.
    public static let directoryChanges = UInt32(IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM
        | IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

    public init() throws {
        let raw = try sysCall("inotify_init1") { inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC)) }
        fd = OwnedFD(adopting: raw)
    }

    /// Watches `path` (a directory) for `mask`; returns the watch number events carry.
    public func addWatch(_ path: String, mask: UInt32 = Inotify.directoryChanges) throws -> Int32 {
        try sysCall("inotify_add_watch", path) { inotify_add_watch(fd.raw, path, mask) }
    }

    /// Every event pending now; empty when none is (the fd never blocks).
    public func readEvents() throws -> [InotifyEvent] {
        var events: [InotifyEvent] = []
        // Room for at least one event with the longest name (NAME_MAX + 1), as inotify(7) asks.
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let got = buffer.withUnsafeMutableBytes { Glibc.read(fd.raw, $0.baseAddress, $0.count) }
            if got < 0 {
                let code = errno
                if code == EINTR { continue }
                if code == EAGAIN { return events }
                throw SystemError(call: "read", object: "inotify", errno: code)
            }
            if got == 0 { return events }
            events += Inotify.parse(buffer[0..<got])
        }
    }

    /// Splits one read's bytes into events (struct inotify_event: wd, mask,
    /// cookie, len, then a NUL-padded name of len bytes).
    static func parse(_ bytes: ArraySlice<UInt8>) -> [InotifyEvent] {
        var events: [InotifyEvent] = []
        var offset = bytes.startIndex
        let header = MemoryLayout<inotify_event>.size
        while offset + header <= bytes.endIndex {
            let (watch, mask, length) = bytes.withUnsafeBytes { raw -> (Int32, UInt32, Int) in
                let base = raw.baseAddress! + (offset - bytes.startIndex)
                return (base.loadUnaligned(as: Int32.self), base.loadUnaligned(fromByteOffset: 4, as: UInt32.self),
                        Int(base.loadUnaligned(fromByteOffset: 12, as: UInt32.self)))
            }
            let nameBytes = bytes[(offset + header)..<min(offset + header + length, bytes.endIndex)]
            let name = String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)
            events.append(InotifyEvent(watch: watch, mask: mask, name: name))
            offset += header + length
        }
        return events
    }
}
