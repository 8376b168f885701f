// usherd's main thread's children file (/proc/self/task/PID/children), kept
// open and re-read with one pread into a reused buffer: it is read after every
// Accept=yes instance's exit to find adopted orphans, so it must cost one
// syscall and no allocation when (as usual) it is empty.
import Glibc

public final class ChildrenFile {
    private let fd: OwnedFD?
    private var buffer = [UInt8](repeating: 0, count: 4096)

    /// The main thread's children file of this process (nil fd: reads give nothing).
    public init() {
        let pid = Processes.currentPID
        fd = try? OwnedFD.open("/proc/\(pid)/task/\(pid)/children", O_RDONLY)
    }

    /// The pids listed now; a list longer than the buffer is read whole from the path.
    public func read() -> [Int32] {
        guard let fd else { return [] }
        let count = buffer.count
        let got = buffer.withUnsafeMutableBytes { pread(fd.raw, $0.baseAddress, count, 0) }
        guard got > 0 else { return [] }
        guard got < count else { return ProcessTree.childrenOfMainThread(Processes.currentPID) }
        return ProcessTree.pids(in: buffer[0..<got])
    }
}
