// usherd's own resource limits: the values it was started with, taken once
// before it raises anything for itself (services start from those, as
// systemd's do), raising its own RLIMIT_NOFILE soft limit to the hard one,
// and the kernel's ceiling for RLIMIT_NOFILE (fs.nr_open).
import Glibc

/// One resource's soft and hard limit; `UInt64.max` is RLIM_INFINITY.
public struct LimitPair: Sendable, Equatable {
    public var soft: UInt64
    public var hard: UInt64
    public init(soft: UInt64, hard: UInt64) {
        self.soft = soft
        self.hard = hard
    }
}

public enum ProcessLimits {
    /// RLIMIT_CPU (0) … RLIMIT_RTTIME (15) by their Limit*= names, in Linux's numbering.
    public static let resourceNames = ["CPU", "FSIZE", "DATA", "STACK", "CORE", "RSS", "NPROC", "NOFILE", "MEMLOCK",
                                       "AS", "LOCKS", "SIGPENDING", "MSGQUEUE", "NICE", "RTPRIO", "RTTIME"]
    public static let resourceCount = Int32(resourceNames.count)
    public static let openFiles: Int32 = 7
    public static let lockedMemory: Int32 = 8

    /// The limits of this process the first time anyone asked: usherd asks first
    /// thing in main, before `raiseOpenFiles()`.
    public static let atStartup: [LimitPair] = current()

    /// Every resource's limits now, indexed by RLIMIT_* number.
    public static func current() -> [LimitPair] {
        (0..<resourceCount).map { resource in
            var value = rlimit()
            guard getrlimit(__rlimit_resource_t(UInt32(resource)), &value) == 0 else {
                return LimitPair(soft: UInt64.max, hard: UInt64.max)
            }
            return LimitPair(soft: UInt64(value.rlim_cur), hard: UInt64(value.rlim_max))
        }
    }

    /// Raises this process's RLIMIT_NOFILE soft limit to its hard limit (many
    /// listeners and connections); the startup values are recorded first.
    public static func raiseOpenFiles() {
        _ = atStartup
        var value = rlimit()
        guard getrlimit(__rlimit_resource_t(UInt32(openFiles)), &value) == 0, value.rlim_cur < value.rlim_max else { return }
        value.rlim_cur = value.rlim_max
        _ = setrlimit(__rlimit_resource_t(UInt32(openFiles)), &value)
    }

    /// Whether this process may raise hard limits (CAP_SYS_RESOURCE in its
    /// effective set); root in a container often may not.
    public static var mayRaiseHardLimits: Bool {
        guard let status = try? readSmallFile("/proc/self/status", limit: 8192),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("CapEff:") }),
              let mask = UInt64(line.dropFirst("CapEff:".count).trimmingPrefix(while: { $0 == " " || $0 == "\t" }), radix: 16)
        else { return false }
        let capSysResource: UInt64 = 24
        return mask & (1 << capSysResource) != 0
    }

    /// fs.nr_open: no process may have a higher RLIMIT_NOFILE (1048576 by default).
    public static var kernelOpenFilesCeiling: UInt64 {
        guard let text = try? readSmallFile("/proc/sys/fs/nr_open", limit: 64),
              let value = UInt64(text.split(separator: "\n").first ?? "") else { return 1_048_576 }
        return value
    }
}
