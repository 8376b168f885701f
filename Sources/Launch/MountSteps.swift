// The steps of one mount entry (MountPlanner), in the order mounts.c runs
// them: first every entry's mount in path order, then the read-only pass,
// which re-asserts each entry's read-only state parents first, so that a
// writable path below a read-only one stays writable (systemd's deny list).
import UnitModel

/// A host device node a private /dev copies (mknod with the same type, number, mode and owner).
public struct DeviceNode: Sendable, Equatable {
    public var name: String
    public var mode: UInt32
    public var device: UInt64
    public var uid: UInt32
    public var gid: UInt32
    public init(name: String, mode: UInt32, device: UInt64, uid: UInt32, gid: UInt32) {
        self.name = name
        self.mode = mode
        self.device = device
        self.uid = uid
        self.gid = gid
    }

    /// The nodes systemd's PrivateDevices= /dev has.
    public static let privateDeviceNames = ["null", "zero", "full", "random", "urandom", "tty"]
}

extension MountPlanner {
    static func mountSteps(_ entry: MountEntry, paths: SandboxPaths, devices: [DeviceNode]) -> [MountStep] {
        let path = entry.path
        switch entry.mode {
        case .inaccessible:
            return [MountStep(.inaccessible, path, optional: entry.optional)]
        case .readOnly, .readWrite, .readWriteImplicit:
            return [MountStep(.bindSelf, path, optional: entry.optional)]
        case .bind(let source, let recursive, _):
            var step = MountStep(.bind, path, source: source, recursive: recursive, optional: entry.optional)
            step.pinSource = true
            step.makeTarget = true
            return [step]
        case .privateTmp(let source?):
            var step = MountStep(.bind, path, source: source, optional: entry.optional)
            step.pinSource = true
            return [step]
        case .privateTmp(nil):
            return [MountStep(.mount, path, source: "tmpfs", fstype: "tmpfs", data: "mode=01777",
                              flags: msNoSUID | msNoDev | msStrictATime, optional: entry.optional)]
        case .privateDev:
            return privateDevSteps(staging: paths.devStaging, devices: devices)
        case .procfs(let options):
            return [MountStep(.mount, path, source: "proc", fstype: "proc", data: options,
                              flags: msNoSUID | msNoDev | msNoExec)]
        case .tmpfs(let options, let flags, _):
            var step = MountStep(.mount, path, source: "tmpfs", fstype: "tmpfs", data: options, flags: flags,
                                 optional: entry.optional)
            step.makeTarget = !entry.optional
            return [step]
        }
    }

    /// systemd's mount_private_dev: a tmpfs with copies of the harmless nodes, the host's
    /// /dev/pts, /dev/shm, /dev/mqueue and /dev/hugepages bound in, the usual symlinks; moved onto /dev.
    static func privateDevSteps(staging: String, devices: [DeviceNode]) -> [MountStep] {
        var steps = [MountStep(.mount, staging, source: "tmpfs", fstype: "tmpfs", data: "mode=0755,size=4m",
                               flags: msNoSUID | msStrictATime)]
        for (name, optional) in [("pts", false), ("shm", false), ("mqueue", true), ("hugepages", true)] {
            var mkdir = MountStep(.mkdir, "\(staging)/\(name)")
            mkdir.mode = 0o755
            var bind = MountStep(.bind, "\(staging)/\(name)", source: "/dev/\(name)", optional: optional)
            bind.pinSource = true
            steps += [mkdir, bind]
        }
        for node in devices {
            var step = MountStep(.mknod, "\(staging)/\(node.name)")
            step.mode = node.mode
            step.device = node.device
            step.uid = node.uid
            step.gid = node.gid
            steps.append(step)
        }
        let links = [("ptmx", "pts/ptmx"), ("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                     ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2"),
                     ("log", "/run/systemd/journal/dev-log")]
        steps += links.map { MountStep(.symlink, "\(staging)/\($0.0)", source: $0.1) }
        steps.append(MountStep(.move, "/dev", source: staging))
        return steps
    }

    /// Parents first: a read-only entry makes its tree read-only, a writable entry below a read-only
    /// one makes its tree writable again, and entries read-only by nature (inaccessible, a private
    /// /dev, a read-only tmpfs) re-assert it on their own mount.
    static func readOnlySteps(_ entries: [MountEntry]) -> [MountStep] {
        var steps: [MountStep] = []
        for (index, entry) in entries.enumerated() {
            let underReadOnly = entries[..<index].contains { $0.mode.isReadOnly && isBelow(entry.path, $0.path) }
            switch entry.mode {
            case .readOnly, .bind(_, _, true):
                steps.append(MountStep(.readOnly, entry.path, flags: 1, recursive: true, optional: entry.optional))
            case .inaccessible, .tmpfs(_, _, true):
                steps.append(MountStep(.readOnly, entry.path, flags: 1, optional: entry.optional))
            case .privateDev:
                if underReadOnly { steps.append(MountStep(.readOnly, entry.path, flags: 0, recursive: true)) }
                steps.append(MountStep(.readOnly, entry.path, flags: 1))
            case .readWrite, .readWriteImplicit, .bind(_, _, false), .privateTmp, .procfs, .tmpfs(_, _, false):
                if underReadOnly {
                    steps.append(MountStep(.readOnly, entry.path, flags: 0, recursive: true, optional: entry.optional))
                }
            }
        }
        return steps
    }
}
