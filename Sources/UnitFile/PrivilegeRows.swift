// Rows for the privilege and system-call keys of systemd.exec(5): capability
// sets with `~` inversion, SecureBits=, NoNewPrivileges=, DynamicUser=, and
// the seccomp-enforced SystemCallFilter=, SystemCallLog=, RestrictAddressFamilies=,
// RestrictNamespaces= and friends, merging lines the way systemd 252 does.

import UnitModel

enum PrivilegeRows {
    static let v = "Service"

    static let rows: [OptionRow] = flagRows + [
        capabilities("CapabilityBoundingSet", \.capabilityBoundingSet, initial: PrivilegeSettings.allCapabilities),
        capabilities("AmbientCapabilities", \.ambientCapabilities, initial: 0),
        secureBits, systemCallFilter, systemCallLog, systemCallErrorNumber, systemCallArchitectures, restrictAddressFamilies,
        restrictNamespaces,
    ]

    static let flagRows: [OptionRow] = [
        flag("NoNewPrivileges", \.noNewPrivileges), flag("DynamicUser", \.dynamicUser),
        flag("RestrictRealtime", \.restrictRealtime), flag("RestrictSUIDSGID", \.restrictSUIDSGID),
        flag("LockPersonality", \.lockPersonality), flag("MemoryDenyWriteExecute", \.memoryDenyWriteExecute),
        flag("ProtectClock", \.protectClock),
    ]

    /// The destination column: the model field named after the key (lower-case first letter).
    static func destination(_ key: String) -> String {
        "ServiceUnit.exec.privileges." + key.prefix(1).lowercased() + key.dropFirst()
    }

    static func flag(_ key: String, _ field: WritableKeyPath<PrivilegeSettings, Bool> & Sendable) -> OptionRow {
        Rows.boolean(v, key, destination(key)) { $0.service.exec.privileges[keyPath: field] = $1 }
    }

    /// systemd's config_parse_capability_set: an empty sum (or the untouched initial value)
    /// replaces, later lines merge (`~` removes).
    static func capabilities(_ key: String, _ field: WritableKeyPath<PrivilegeSettings, UInt64> & Sendable,
                             initial: UInt64) -> OptionRow {
        OptionRow(v, key, "capability names (~ inverts)", destination(key), flags: .list) { s, a in
            let invert = a.value.hasPrefix("~")
            let words = (invert ? String(a.value.dropFirst()) : a.value).split(whereSeparator: \.isWhitespace)
            var sum: UInt64 = 0
            for word in words {
                guard let number = Capabilities.number(String(word)) else {
                    return s.warn(a, "Failed to parse capability in bit mask, ignoring: \(word)")
                }
                sum |= UInt64(1) << number
            }
            let current = s.draft.service.exec.privileges[keyPath: field]
            let merged = sum == 0 || current == initial ? (invert ? ~sum : sum) : (invert ? current & ~sum : current | sum)
            s.draft.service.exec.privileges[keyPath: field] = merged
        }
    }

    static let secureBits = OptionRow(v, "SecureBits", "securebits names", "ServiceUnit.exec.privileges.secureBits",
                                      flags: .list) { s, a in
        if a.value.isEmpty { return s.draft.service.exec.privileges.secureBits = nil }
        var bits: UInt32 = 0
        for word in a.value.split(whereSeparator: \.isWhitespace) {
            guard let bit = SecureBitNames.bits.first(where: { $0.name == word })?.bit else {
                return s.warn(a, "Failed to parse secure bits, ignoring: \(a.value)")
            }
            bits |= bit
        }
        s.draft.service.exec.privileges.secureBits = (s.draft.service.exec.privileges.secureBits ?? 0) | bits
    }

    static let systemCallFilter = syscallList("SystemCallFilter", \.systemCallFilter, startsWithDefault: true)
    static let systemCallLog = syscallList("SystemCallLog", \.systemCallLog, startsWithDefault: false)

    /// The first line decides allow or deny list (SystemCallFilter='s allow list starts with
    /// @default); later lines add to the list or, with the other polarity, take out of it.
    static func syscallList(_ key: String, _ field: WritableKeyPath<PrivilegeSettings, SyscallFilter?> & Sendable,
                            startsWithDefault: Bool) -> OptionRow {
        OptionRow(v, key, "system calls and @groups (~ inverts)", destination(key), flags: .list) { s, a in
            if a.value.isEmpty { return s.draft.service.exec.privileges[keyPath: field] = nil }
            let invert = a.value.hasPrefix("~")
            let existing = s.draft.service.exec.privileges[keyPath: field]
            var filter = existing ?? SyscallFilter(allowList: !invert)
            if existing == nil && !invert && startsWithDefault {
                for name in SyscallGroups.expand("@default") ?? [] { filter.entries[name] = .some(nil) }
            }
            let adding = invert != filter.allowList
            for word in (invert ? String(a.value.dropFirst()) : a.value).split(whereSeparator: \.isWhitespace) {
                guard let (names, errno) = syscallEntry(String(word), s: &s, a) else { continue }
                for name in names {
                    if adding { filter.entries[name] = .some(errno) } else { filter.entries[name] = nil }
                }
            }
            s.draft.service.exec.privileges[keyPath: field] = filter
        }
    }

    /// `name`, `@group` or either with `:errno`: the system call names and the errno; nil (with
    /// a warning) when something in it is unknown.
    static func syscallEntry(_ word: String, s: inout ParseSession, _ a: Assignment) -> ([String], Int32?)? {
        let parts = word.split(separator: ":", maxSplits: 1).map(String.init)
        var errno: Int32?
        if parts.count == 2 {
            guard let number = ErrnoNames.number(parts[1]) else {
                s.warn(a, "Failed to parse errno, ignoring: \(word)")
                return nil
            }
            errno = number
        }
        if parts[0].hasPrefix("@") {
            guard let members = SyscallGroups.expand(parts[0]) else {
                s.warn(a, "Unknown system call group, ignoring: \(parts[0])")
                return nil
            }
            return (members, errno)
        }
        guard knownSyscalls.contains(parts[0]) else {
            s.warn(a, "Failed to parse system call, ignoring: \(parts[0])")
            return nil
        }
        return ([parts[0]], errno)
    }

    static let knownSyscalls = Set(SyscallGroups.expand("@known") ?? [])

    static let systemCallErrorNumber = OptionRow(v, "SystemCallErrorNumber", "errno name or number, or kill",
                                                 "ServiceUnit.exec.privileges.systemCallErrorNumber") { s, a in
        if a.value.isEmpty || a.value == "kill" { return s.draft.service.exec.privileges.systemCallErrorNumber = nil }
        guard let number = ErrnoNames.number(a.value) else {
            return s.warn(a, "Failed to parse error number, ignoring: \(a.value)")
        }
        s.draft.service.exec.privileges.systemCallErrorNumber = number
    }

    static let architectureNames: Set<String> = ["native", "x86-64", "x86", "x32", "arm64", "arm"]

    static let systemCallArchitectures = OptionRow(v, "SystemCallArchitectures", "architecture names",
                                                   "ServiceUnit.exec.privileges.systemCallArchitectures",
                                                   flags: .list) { s, a in
        if a.value.isEmpty { return s.draft.service.exec.privileges.systemCallArchitectures = [] }
        for word in a.value.split(whereSeparator: \.isWhitespace).map(String.init) {
            guard architectureNames.contains(word) else {
                s.warn(a, "Failed to parse system call architecture, ignoring: \(word)")
                continue
            }
            if !s.draft.service.exec.privileges.systemCallArchitectures.contains(word) {
                s.draft.service.exec.privileges.systemCallArchitectures.append(word)
            }
        }
    }

    /// `none` is an empty allow list; otherwise the first line picks the polarity.
    static let restrictAddressFamilies = OptionRow(v, "RestrictAddressFamilies", "address families (~ denies, none)",
                                                   "ServiceUnit.exec.privileges.restrictAddressFamilies",
                                                   flags: .list) { s, a in
        if a.value.isEmpty { return s.draft.service.exec.privileges.restrictAddressFamilies = nil }
        if a.value == "none" {
            return s.draft.service.exec.privileges.restrictAddressFamilies = AddressFamilyRestriction(allowList: true)
        }
        let invert = a.value.hasPrefix("~")
        var restriction = s.draft.service.exec.privileges.restrictAddressFamilies
            ?? AddressFamilyRestriction(allowList: !invert)
        for word in (invert ? String(a.value.dropFirst()) : a.value).split(whereSeparator: \.isWhitespace) {
            guard let family = AddressFamilies.number(String(word)) else {
                s.warn(a, "Failed to parse address family, ignoring: \(word)")
                continue
            }
            if invert != restriction.allowList { restriction.families.insert(family) } else {
                restriction.families.remove(family)
            }
        }
        s.draft.service.exec.privileges.restrictAddressFamilies = restriction
    }

    /// A boolean replaces (yes: nothing allowed); a list sets the allowed types, or merges into them.
    static let restrictNamespaces = OptionRow(v, "RestrictNamespaces", "boolean or namespace types (~ inverts)",
                                              "ServiceUnit.exec.privileges.restrictNamespaces", flags: .list) { s, a in
        if a.value.isEmpty { return s.draft.service.exec.privileges.restrictNamespaces = nil }
        if let restrict = ValueParsers.boolean(a.value) {
            return s.draft.service.exec.privileges.restrictNamespaces = restrict ? 0 : nil
        }
        let invert = a.value.hasPrefix("~")
        var flags: UInt64 = 0
        for word in (invert ? String(a.value.dropFirst()) : a.value).split(whereSeparator: \.isWhitespace) {
            guard let flag = NamespaceTypes.flags.first(where: { $0.name == word })?.flag else {
                return s.warn(a, "Failed to parse namespace type string, ignoring: \(a.value)")
            }
            flags |= flag
        }
        if let current = s.draft.service.exec.privileges.restrictNamespaces {
            s.draft.service.exec.privileges.restrictNamespaces = invert ? current & ~flags : current | flags
        } else {
            s.draft.service.exec.privileges.restrictNamespaces = invert ? NamespaceTypes.all & ~flags : flags
        }
    }

    /// DynamicUser= implies what systemd 252's unit_patch_contexts() sets: a user named after
    /// the unit, NoNewPrivileges=yes and RestrictSUIDSGID=yes (and, in the filesystem sandbox,
    /// ProtectSystem=strict, ProtectHome=read-only, PrivateTmp=yes, RemoveIPC=yes).
    static func deriveDynamicUser(_ unit: inout ServiceUnit) {
        guard unit.exec.privileges.dynamicUser else { return }
        if unit.exec.user == nil { unit.exec.user = unit.name.prefix }
        if unit.exec.group == nil { unit.exec.group = unit.exec.user }
        unit.exec.privileges.noNewPrivileges = true
        unit.exec.privileges.restrictSUIDSGID = true
        unit.exec.filesystem.protectSystem = .strict
        if unit.exec.filesystem.protectHome == .no { unit.exec.filesystem.protectHome = .readOnly }
        unit.exec.filesystem.privateTmp = true
    }

    /// The system call and capability half of filesystem keys, as systemd 252 gives them:
    /// ProtectKernelModules= (@module, CAP_SYS_MODULE), ProtectKernelLogs= (syslog, CAP_SYSLOG),
    /// PrivateDevices= (@raw-io, CAP_MKNOD, CAP_SYS_RAWIO), ProtectHostname= (sethostname).
    static func deriveFilesystemCalls(_ unit: inout ServiceUnit) {
        let fs = unit.exec.filesystem
        // One in-place write of the privileges group, not four writes through the unit
        // (each a @Sparse write and a check against the group's defaults).
        setFilesystemCalls(&unit.exec.privileges, from: fs)
    }

    private static func setFilesystemCalls(_ privileges: inout PrivilegeSettings, from fs: FilesystemProtection) {
        privileges.denyKernelModuleCalls = fs.protectKernelModules
        privileges.denyKernelLogCalls = fs.protectKernelLogs
        privileges.denyRawIOCalls = fs.privateDevices
        privileges.denyHostnameCalls = fs.protectHostname
    }
}

/// errno names (errno(3)) and plain numbers, for SystemCallErrorNumber= and `name:errno`.
public enum ErrnoNames {
    static let names: [String: Int32] = [
        "EPERM": 1, "ENOENT": 2, "ESRCH": 3, "EINTR": 4, "EIO": 5, "ENXIO": 6, "E2BIG": 7, "ENOEXEC": 8,
        "EBADF": 9, "ECHILD": 10, "EAGAIN": 11, "ENOMEM": 12, "EACCES": 13, "EFAULT": 14, "ENOTBLK": 15,
        "EBUSY": 16, "EEXIST": 17, "EXDEV": 18, "ENODEV": 19, "ENOTDIR": 20, "EISDIR": 21, "EINVAL": 22,
        "ENFILE": 23, "EMFILE": 24, "ENOTTY": 25, "ETXTBSY": 26, "EFBIG": 27, "ENOSPC": 28, "ESPIPE": 29,
        "EROFS": 30, "EMLINK": 31, "EPIPE": 32, "EDOM": 33, "ERANGE": 34, "EDEADLK": 35, "ENAMETOOLONG": 36,
        "ENOLCK": 37, "ENOSYS": 38, "ENOTEMPTY": 39, "ELOOP": 40, "ENOMSG": 42, "EIDRM": 43, "ENODATA": 61,
        "ETIME": 62, "EPROTO": 71, "EBADMSG": 74, "EOVERFLOW": 75, "EILSEQ": 84, "ENOTSOCK": 88,
        "EDESTADDRREQ": 89, "EMSGSIZE": 90, "EPROTOTYPE": 91, "ENOPROTOOPT": 92, "EPROTONOSUPPORT": 93,
        "ESOCKTNOSUPPORT": 94, "EOPNOTSUPP": 95, "EPFNOSUPPORT": 96, "EAFNOSUPPORT": 97, "EADDRINUSE": 98,
        "EADDRNOTAVAIL": 99, "ENETDOWN": 100, "ENETUNREACH": 101, "ENETRESET": 102, "ECONNABORTED": 103,
        "ECONNRESET": 104, "ENOBUFS": 105, "EISCONN": 106, "ENOTCONN": 107, "ETIMEDOUT": 110,
        "ECONNREFUSED": 111, "EHOSTUNREACH": 113, "EALREADY": 114, "EINPROGRESS": 115, "ESTALE": 116,
        "EDQUOT": 122, "ECANCELED": 125,
    ]

    /// The errno for a name or a number in 0…4095 (seccomp's range).
    public static func number(_ text: String) -> Int32? {
        if let number = Int32(text) { return number >= 0 && number <= 4095 ? number : nil }
        return names[text]
    }
}
