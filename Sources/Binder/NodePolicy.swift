// Filesystem-backed listeners and their nodes: AF_UNIX bind with parents at
// DirectoryMode=, umask from SocketMode=, stale-node replacement; FIFOs,
// special files and message queues; SocketUser=/SocketGroup=; Symlinks=; and
// what release removes (only with RemoveOnStop=yes, never the directories).
import UnitModel
import UsherSys

enum NodePolicy {
    /// Parents are created best-effort (bind reports the real problem, as in systemd);
    /// the umask ~SocketMode= gives the node its mode at birth; EADDRINUSE means a stale
    /// node, which is unlinked and bound again.
    static func bindUnixPath(_ fd: OwnedFD, address: SocketAddress, path: String, options: SocketOptions) throws {
        _ = try? FileNodes.makeParents(of: path, mode: options.directoryMode)
        try FileNodes.withUmask(~options.socketMode & 0o777) {
            do {
                try Socket.bind(fd, to: address)
            } catch let error as SystemError where error.errno == 98 { // EADDRINUSE
                guard (try? FileNodes.unlink(path)) != nil else { throw error }
                try Socket.bind(fd, to: address)
            }
        }
    }

    /// SocketUser=/SocketGroup= on a node; an unknown name fails the unit.
    static func applyOwner(path: String, options: SocketOptions) throws {
        guard let ids = try ownerIDs(options) else { return }
        try FileNodes.changeOwner(path, uid: ids.uid, gid: ids.gid)
    }

    static func ownerIDs(_ options: SocketOptions) throws -> (uid: UInt32?, gid: UInt32?)? {
        guard options.socketUser != nil || options.socketGroup != nil else { return nil }
        var uid: UInt32?
        var gid: UInt32?
        if let user = options.socketUser {
            uid = try Identity.userID(user).orThrow(NodeError("Failed to resolve user '\(user)'"))
        }
        if let group = options.socketGroup {
            gid = try Identity.groupID(group).orThrow(NodeError("Failed to resolve group '\(group)'"))
        }
        return (uid, gid)
    }

    /// mkfifo at SocketMode=, opened read-write so it never sees EOF; PipeSize= is
    /// best-effort. An existing FIFO is reused only with the same mode, as systemd
    /// does; anything else at the path fails the unit with "File exists".
    static func createFIFO(_ spec: ListenSpec, options shared: Sparse<SocketOptions>,
                           context: inout BindContext) throws -> BoundListener {
        let options = shared.wrappedValue
        let path = try nodePath(spec)
        _ = try? FileNodes.makeParents(of: path, mode: options.directoryMode)
        try FileNodes.withUmask(~options.socketMode & 0o777) {
            do {
                try FileNodes.makeFIFO(path, mode: options.socketMode)
            } catch let error as SystemError where error.errno == 17 { // EEXIST: checked below
            }
        }
        let fd = try FileNodes.openNode(path, writable: true)
        let status = try FileNodes.status(fd: fd.raw)
        guard status.kind == .fifo, status.mode == options.socketMode & 0o777 else {
            throw SystemError(call: "mkfifo", object: path, errno: 17) // EEXIST: not our FIFO
        }
        if let size = options.pipeSize {
            do {
                try FileNodes.setPipeSize(fd.raw, OptionPlan.clamp(size))
            } catch {
                context.warn("F_SETPIPE_SZ", error)
            }
        }
        try applyOwner(path: path, options: options)
        return BoundListener(spec: spec, fd: fd, localDescription: path, address: nil, options: shared, node: .path(path))
    }

    /// ListenSpecial=: an existing character device or regular file (/dev, /proc, /sys),
    /// read-only unless Writable=yes. Nothing is created, so nothing is removed.
    static func openSpecial(_ spec: ListenSpec, options shared: Sparse<SocketOptions>) throws -> BoundListener {
        let options = shared.wrappedValue
        let path = try nodePath(spec)
        let fd = try FileNodes.openNode(path, writable: options.writable)
        let kind = try FileNodes.status(fd: fd.raw).kind
        guard kind == .characterDevice || kind == .regular else {
            throw NodeError("\(path) is not a character device or regular file")
        }
        return BoundListener(spec: spec, fd: fd, localDescription: path, address: nil, options: shared, node: nil)
    }

    /// ListenMessageQueue=: mq_open with SocketMode= and MessageQueue* sizes.
    static func openMessageQueue(_ spec: ListenSpec, options shared: Sparse<SocketOptions>) throws -> BoundListener {
        let options = shared.wrappedValue
        let name = try nodePath(spec)
        let fd = try FileNodes.withUmask(~options.socketMode & 0o777) {
            try FileNodes.openMessageQueue(name, mode: options.socketMode, maxMessages: options.messageQueueMaxMessages,
                                           messageSize: options.messageQueueMessageSize)
        }
        if let ids = try ownerIDs(options) {
            try FileNodes.changeOwner(fd: fd.raw, uid: ids.uid, gid: ids.gid, object: name)
        }
        return BoundListener(spec: spec, fd: fd, localDescription: name, address: nil, options: shared,
                             node: .messageQueue(name))
    }

    private static func nodePath(_ spec: ListenSpec) throws -> String {
        guard case .path(let path) = spec.target else { throw NodeError("\(spec.kind.rawValue)= needs a path") }
        return path
    }
}

/// A node problem that is not a failed system call (unknown user, wrong file type).
struct NodeError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

// MARK: symlinks and release

extension NodePolicy {
    /// Symlinks= point at the unit's one filesystem node (AF_UNIX path or FIFO);
    /// with none or several systemd refuses the unit at load, here it is a warning.
    /// A link already pointing at the node is fine; anything else is a warning.
    static func createSymlinks(for unit: SocketUnit, listeners: [BoundListener], warnings: inout [String]) -> [String] {
        guard !unit.options.symlinks.isEmpty else { return [] }
        let nodes = listeners.compactMap { listener -> String? in
            if case .path(let path)? = listener.node, listener.spec.kind != .special { return path }
            return nil
        }
        guard nodes.count == 1, let target = nodes.first else {
            warnings.append("\(unit.name.full): Symlinks= needs exactly one file system node, ignoring")
            return []
        }
        var created: [String] = []
        for link in unit.options.symlinks {
            _ = try? FileNodes.makeParents(of: link, mode: unit.options.directoryMode)
            if (try? FileNodes.readLink(link)) == target {
                created.append(link)
                continue
            }
            do {
                try FileNodes.symlink(target: target, at: link)
                created.append(link)
            } catch {
                let reason = (error as? SystemError)?.reason ?? "\(error)"
                warnings.append("\(unit.name.full): Failed to create symlink \(link) → \(target), ignoring: \(reason)")
            }
        }
        return created
    }

    static func release(_ listener: BoundListener, options: SocketOptions) {
        listener.fd.close()
        guard options.removeOnStop, let node = listener.node else { return }
        switch node {
        case .path(let path): try? FileNodes.unlink(path)
        case .messageQueue(let name): try? FileNodes.unlinkMessageQueue(name)
        }
    }

    static func removeSymlink(_ link: String) {
        guard (try? FileNodes.status(link).kind) == .symlink else { return }
        try? FileNodes.unlink(link)
    }
}
