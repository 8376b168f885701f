// The probe as an fd-store client (sd_notify FDSTORE=1): reports the content of
// each stored file it was given back, then stores what --store-file,
// --store-pipe and --store-pipe-nopoll ask for, unless an fd of that name came
// back already, and removes what --store-remove names (FDSTOREREMOVE=1). A stored pipe's write end stays open until the probe exits.
import CSystemd
import Foundation

enum FDStoreClient {
    /// The write ends of stored pipes: open while the probe lives.
    nonisolated(unsafe) static var keptOpen: [Int32] = []

    /// name → content of each received fd that is a regular file (a --store-file of an earlier run).
    static func storedContents(names: [String]) -> [String: String] {
        var contents: [String: String] = [:]
        for (index, name) in names.enumerated() {
            let fd = Int32(3 + index)
            var info = stat()
            guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            var buffer = [UInt8](repeating: 0, count: 256)
            let got = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
            contents[name] = String(decoding: buffer.prefix(max(0, got)), as: UTF8.self)
        }
        return contents
    }

    /// Stores each requested fd not among `received`; returns what was sent, for the report.
    static func store(_ requests: [Options.StoreRequest], received: [String], directory: String) -> [String] {
        var sent: [String] = []
        for request in requests where !received.contains(request.name) {
            if request.kind == .remove {
                _ = sd_notify(0, "FDSTOREREMOVE=1\nFDNAME=\(request.name)")
                continue
            }
            guard let fd = open(request, directory: directory) else { continue }
            let message = "FDSTORE=1\nFDNAME=\(request.name)" + (request.kind == .pipeNoPoll ? "\nFDPOLL=0" : "")
            var fds = [fd]
            let code = fds.withUnsafeMutableBufferPointer { sd_pid_notify_with_fds(0, 0, message, $0.baseAddress, 1) }
            close(fd)
            if code > 0 { sent.append(request.name) }
        }
        return sent
    }

    private static func open(_ request: Options.StoreRequest, directory: String) -> Int32? {
        switch request.kind {
        case .file:
            let path = "\(directory)/.stored-\(request.name)-\(getpid())"
            let fd = Glibc.open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else { return nil }
            unlink(path)
            _ = request.name.withCString { write(fd, $0, strlen($0)) }
            return fd
        case .remove:
            return nil
        case .pipe, .pipeNoPoll:
            var ends: [Int32] = [-1, -1]
            guard pipe(&ends) == 0 else { return nil }
            ends.forEach { _ = fcntl($0, F_SETFD, FD_CLOEXEC) }
            keptOpen.append(ends[1])
            return ends[0]
        }
    }
}
