// Turns a unit's FilesystemProtection into a MountPlan: systemd 252's tables
// for ProtectSystem=, ProtectHome=, ProtectKernel*=, ProtectControlGroups=,
// the user's *Paths= and TemporaryFileSystem=, then namespace.c's order
// (sort, drop duplicates, drop what is below an inaccessible path, drop
// no-ops) and the steps: mounts in path order, then the read-only pass.
import UnitModel

public enum MountPlanner {
    static let msNoSUID: UInt = 2, msNoDev: UInt = 4, msNoExec: UInt = 8
    static let msStrictATime: UInt = 1 << 24
    static let cloneNewNS: Int32 = 0x0002_0000, cloneNewUTS: Int32 = 0x0400_0000, cloneNewNet: Int32 = 0x4000_0000

    /// The plan for one process of the unit; `devices` are the host nodes a private /dev copies;
    /// the entries at `leaving` paths are left out (an Accept=yes instance mounts them itself).
    public static func plan(_ fs: FilesystemProtection, paths: SandboxPaths, devices: [DeviceNode],
                            leaving: Set<String> = []) -> MountPlan {
        var plan = MountPlan()
        if fs.privateNetwork {
            plan.unshareFlags |= cloneNewNet
            plan.steps.append(MountStep(.loopbackUp, "lo"))
        }
        if fs.protectHostname { plan.unshareFlags |= cloneNewUTS }
        guard fs.needsMountNamespace else { return plan }
        plan.unshareFlags |= cloneNewNS
        plan.inaccessibleDirectory = paths.inaccessibleDirectory
        plan.inaccessibleFile = paths.inaccessibleFile
        let entries = normalize(entries(fs, paths: paths))
        for entry in entries where !leaving.contains(entry.path) { plan.steps += mountSteps(entry, paths: paths, devices: devices) }
        plan.steps += readOnlySteps(entries).filter { !leaving.contains($0.target) }
        return plan
    }

    /// For an Accept=yes template: the namespaces built once and joined by every instance, and what
    /// each instance still does itself: a UTS namespace, a fresh tmpfs /tmp and /var/tmp, and the
    /// entries at `perInstance` paths (a RuntimeDirectory= that a stopping instance removes and the next
    /// creates again: a view of it taken once would go stale). nil when other entries lie below /tmp
    /// or /var/tmp, which a per-instance tmpfs would cover up.
    public static func templatePlans(_ fs: FilesystemProtection, perInstance: Set<String> = [], paths: SandboxPaths,
                                     devices: [DeviceNode]) -> (shared: MountPlan, instance: MountPlan)? {
        var common = fs
        common.privateTmp = false
        common.protectHostname = false
        let listed = entries(common, paths: paths)
        let all = normalize(listed)
        var instance = MountPlan()
        if fs.protectHostname { instance.unshareFlags |= cloneNewUTS }
        if fs.privateTmp {
            let below = listed.contains { isBelow($0.path, "/tmp") || isBelow($0.path, "/var/tmp") }
            guard !below else { return nil }
            instance.unshareFlags |= cloneNewNS
            instance.steps = [("/tmp", false), ("/var/tmp", true)].flatMap { path, optional in
                mountSteps(MountEntry(path: path, mode: .privateTmp(source: nil), optional: optional), paths: paths, devices: [])
            }
        }
        let own = all.filter { perInstance.contains($0.path) }
        if !own.isEmpty {
            instance.unshareFlags |= cloneNewNS
            // Read-only or not as among all the entries: "/" is read-only already in the joined namespace.
            instance.steps += own.flatMap { mountSteps($0, paths: paths, devices: devices) }
                + readOnlySteps(all).filter { perInstance.contains($0.target) }
        }
        return (plan(common, paths: paths, devices: devices, leaving: perInstance), instance)
    }

    /// The paths `fs` puts a mount on (before any run's own directories are known).
    static func protectedPaths(_ fs: FilesystemProtection) -> [String] {
        entries(fs, paths: .unplaced).map(\.path)
    }

    static func entries(_ fs: FilesystemProtection, paths: SandboxPaths) -> [MountEntry] {
        var list = systemEntries(fs.protectSystem) + homeEntries(fs.protectHome)
        func add(_ path: String, _ mode: MountEntryMode, optional: Bool = false) {
            list.append(MountEntry(path: path, mode: mode, optional: optional))
        }
        if fs.privateTmp {
            add("/tmp", .privateTmp(source: paths.privateTmp?.tmp))
            add("/var/tmp", .privateTmp(source: paths.privateTmp?.varTmp), optional: true)
        }
        if fs.privateDevices { add("/dev", .privateDev) }
        if fs.protectProc != .default || fs.procSubset != .all {
            var options = ["hidepid=\(fs.protectProc == .default ? "off" : fs.protectProc.rawValue)"]
            if fs.procSubset == .pid { options.append("subset=pid") }
            add("/proc", .procfs(options: options.joined(separator: ",")))
        }
        if fs.protectKernelTunables { list += kernelTunables }
        if fs.protectKernelModules {
            add("/lib/modules", .inaccessible, optional: true)
            add("/usr/lib/modules", .inaccessible, optional: true)
        }
        if fs.protectKernelLogs {
            add("/proc/kmsg", .inaccessible, optional: true)
            add("/dev/kmsg", .inaccessible, optional: true)
        }
        if fs.protectControlGroups { add("/sys/fs/cgroup", .readOnly) }
        fs.readWritePaths.forEach { add($0.path, .readWrite, optional: $0.optional) }
        fs.readOnlyPaths.forEach { add($0.path, .readOnly, optional: $0.optional) }
        fs.inaccessiblePaths.forEach { add($0.path, .inaccessible, optional: $0.optional) }
        for tmpfs in fs.temporaryFileSystems {
            let parsed = TmpfsOptions.parse(tmpfs.options)
            add(tmpfs.path, .tmpfs(options: parsed.data, flags: parsed.flags, readOnly: parsed.readOnly))
        }
        for bind in fs.bindPaths {
            add(bind.destination, .bind(source: bind.source, recursive: bind.recursive, readOnly: bind.readOnly),
                optional: bind.optional)
        }
        if let credentials = paths.credentials {
            add(credentials, .bind(source: credentials, recursive: false, readOnly: true))
        }
        return list
    }

    /// systemd's protect_system_{yes,full,strict}_table.
    static func systemEntries(_ protect: ProtectSystem) -> [MountEntry] {
        switch protect {
        case .no: return []
        case .yes, .full:
            return [MountEntry(path: "/usr", mode: .readOnly), MountEntry(path: "/boot", mode: .readOnly, optional: true),
                    MountEntry(path: "/efi", mode: .readOnly, optional: true)]
                + (protect == .full ? [MountEntry(path: "/etc", mode: .readOnly)] : [])
        case .strict:
            return [MountEntry(path: "/", mode: .readOnly)]
                + ["/proc", "/sys", "/dev"].map { MountEntry(path: $0, mode: .readWriteImplicit) }
                + ["/home", "/run/user", "/root"].map { MountEntry(path: $0, mode: .readWriteImplicit, optional: true) }
        }
    }

    /// systemd's protect_home_{yes,read_only,tmpfs}_table.
    static func homeEntries(_ protect: ProtectHome) -> [MountEntry] {
        let mode: MountEntryMode
        switch protect {
        case .no: return []
        case .yes: mode = .inaccessible
        case .readOnly: mode = .readOnly
        case .tmpfs: mode = .tmpfs(options: "mode=0755", flags: msNoDev | msStrictATime, readOnly: true)
        }
        return ["/home", "/run/user", "/root"].map { MountEntry(path: $0, mode: mode, optional: true) }
    }

    /// systemd's protect_kernel_tunables_{proc,sys}_table.
    static let kernelTunables: [MountEntry] =
        ["/proc/acpi", "/proc/apm", "/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/latency_stats",
         "/proc/mtrr", "/proc/scsi", "/proc/sys", "/proc/sysrq-trigger", "/proc/timer_stats",
         "/sys/fs/bpf", "/sys/kernel/debug", "/sys/kernel/tracing"].map { MountEntry(path: $0, mode: .readOnly, optional: true) }
        + ["/proc/kallsyms", "/proc/kcore"].map { MountEntry(path: $0, mode: .inaccessible, optional: true) }
        + [MountEntry(path: "/sys", mode: .readOnly),
           MountEntry(path: "/sys/fs/cgroup", mode: .readWriteImplicit),
           MountEntry(path: "/sys/fs/selinux", mode: .readWriteImplicit, optional: true)]

    /// Sorted parents first (component-wise), one entry per path (the lowest rank), nothing below an
    /// inaccessible path, and no ReadOnly/ReadWrite entry whose nearest parent entry has the same mode.
    static func normalize(_ list: [MountEntry]) -> [MountEntry] {
        let sorted = list.enumerated().sorted { a, b in
            let pa = components(a.element.path), pb = components(b.element.path)
            if pa != pb { return pa.lexicographicallyPrecedes(pb) }
            if a.element.mode.rank != b.element.mode.rank { return a.element.mode.rank < b.element.mode.rank }
            return a.offset < b.offset
        }.map(\.element)
        var unique: [MountEntry] = []
        for entry in sorted where unique.last?.path != entry.path { unique.append(entry) }
        let hidden = unique.filter { $0.mode == .inaccessible }.map(\.path)
        let visible = unique.filter { entry in !hidden.contains { isBelow(entry.path, $0) } }
        var kept: [MountEntry] = []
        for entry in visible {
            // systemd's drop_nop: the nearest parent entry has the very same mode.
            if entry.mode.onlyFlags, let parent = kept.last(where: { isBelow(entry.path, $0.path) }),
               parent.mode == entry.mode {
                continue
            }
            kept.append(entry)
        }
        return kept
    }

    static func components(_ path: String) -> [String] { path.split(separator: "/").map(String.init) }

    /// `path` is strictly below `parent`.
    static func isBelow(_ path: String, _ parent: String) -> Bool {
        parent == "/" ? path != "/" : path.hasPrefix(parent + "/")
    }
}

/// TemporaryFileSystem= options: flag words to mount flags, the rest passed to tmpfs; mode=0755 unless given.
enum TmpfsOptions {
    static func parse(_ text: String) -> (data: String, flags: UInt, readOnly: Bool) {
        var flags = MountPlanner.msNoDev | MountPlanner.msStrictATime
        var readOnly = false
        var data: [String] = []
        for option in text.split(separator: ",").map(String.init) {
            switch option {
            case "ro": readOnly = true
            case "rw": readOnly = false
            case "nosuid": flags |= MountPlanner.msNoSUID
            case "suid": flags &= ~MountPlanner.msNoSUID
            case "nodev": flags |= MountPlanner.msNoDev
            case "dev": flags &= ~MountPlanner.msNoDev
            case "noexec": flags |= MountPlanner.msNoExec
            case "exec": flags &= ~MountPlanner.msNoExec
            default: data.append(option)
            }
        }
        if !data.contains(where: { $0.hasPrefix("mode=") }) { data.insert("mode=0755", at: 0) }
        return (data.joined(separator: ","), flags, readOnly)
    }
}
