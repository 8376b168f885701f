// Compiles a unit's system call restrictions (SystemCallFilter= and the
// seccomp parts of RestrictAddressFamilies=, MemoryDenyWriteExecute=, …) into
// BPF with libseccomp, in usherd, once per distinct setting. systemd stacks one
// filter per feature; here unconditional rules share one program, and rules
// that look at arguments need a second one only under an allow list (where
// libseccomp lets an unconditional allow override them); SystemCallLog= is a
// program of its own. The child loads the result with one prctl() per program.
import CSeccomp
import CSpawn
import UnitModel
import UsherSys

/// The exported programs, in cspawn's layout; the memory lives as long as this object.
public final class SeccompPrograms: @unchecked Sendable {
    public let programs: UnsafeMutablePointer<cspawn_seccomp_program>
    public let count: Int
    private let buffers: [UnsafeMutableRawPointer]

    init(_ exported: [(UnsafeMutableRawPointer, Int)]) {
        buffers = exported.map(\.0)
        count = exported.count
        programs = UnsafeMutablePointer<cspawn_seccomp_program>.allocate(capacity: max(1, exported.count))
        for (index, program) in exported.enumerated() {
            programs[index] = cspawn_seccomp_program(length: UInt16(program.1 / 8), filter: UnsafeRawPointer(program.0))
        }
    }

    deinit {
        buffers.forEach { free($0) }
        programs.deallocate()
    }
}

/// One seccomp rule: an action for a system call, when every comparison holds.
struct SeccompRule {
    var syscall: String
    var action: UInt32
    var comparisons: [scmp_arg_cmp] = []
}

enum SeccompAction {
    static let allow: UInt32 = 0x7fff_0000
    static let killProcess: UInt32 = 0x8000_0000
    static let log: UInt32 = 0x7ffc_0000
    static func errno(_ value: Int32) -> UInt32 { 0x0005_0000 | (UInt32(truncatingIfNeeded: value) & 0xffff) }
}

public enum SeccompCompiler {
    /// nil when the settings need no filter at all.
    public static func compile(_ settings: PrivilegeSettings) throws -> SeccompPrograms? {
        guard settings.needsSeccomp else { return nil }
        var exported: [(UnsafeMutableRawPointer, Int)] = []
        do {
            for (rules, defaultAction) in programs(settings) {
                exported.append(try export(rules, defaultAction: defaultAction, settings))
            }
        } catch {
            exported.forEach { free($0.0) }
            throw error
        }
        return SeccompPrograms(exported)
    }

    /// The rules and default action of each program, in loading order.
    static func programs(_ settings: PrivilegeSettings) -> [([SeccompRule], UInt32)] {
        let unitAction = settings.systemCallErrorNumber.map(SeccompAction.errno) ?? SeccompAction.killProcess
        let filter = settings.systemCallFilter
        var fixed = unconditionalActions(filter, unitAction: unitAction)
        for (name, action) in SeccompRestrictions.unconditional(settings) {
            mergeDeny(name, action, into: &fixed, filter: filter)
        }
        let conditional = SeccompRestrictions.conditional(settings).filter { rule in
            fixed[rule.syscall] == nil || fixed[rule.syscall] == SeccompAction.allow
        }
        let mainDefault = filter?.allowList == true ? unitAction : SeccompAction.allow
        var main = fixed.sorted { $0.key < $1.key }.compactMap { name, action in
            action == mainDefault ? nil : SeccompRule(syscall: name, action: action)
        }
        var programs: [([SeccompRule], UInt32)] = []
        if filter?.allowList == true {
            programs.append((main, mainDefault))
            if !conditional.isEmpty { programs.append((conditional, SeccompAction.allow)) }
        } else {
            main += conditional
            // An empty allow-everything program still matters when it kills other architectures.
            if !main.isEmpty || !settings.systemCallArchitectures.isEmpty { programs.append((main, mainDefault)) }
        }
        if let log = settings.systemCallLog { programs.append(logProgram(log)) }
        return programs
    }

    /// SystemCallLog= as a program of its own, as systemd stacks it: the kernel takes the strictest
    /// action of all programs, so logging never lets through what another program refuses.
    static func logProgram(_ log: SyscallFilter) -> ([SeccompRule], UInt32) {
        let action = log.allowList ? SeccompAction.log : SeccompAction.allow
        let rules = log.entries.keys.sorted().map { SeccompRule(syscall: $0, action: action) }
        return (rules, log.allowList ? SeccompAction.allow : SeccompAction.log)
    }

    /// SystemCallFilter= as one action per system call (the default action is left out later).
    static func unconditionalActions(_ filter: SyscallFilter?, unitAction: UInt32) -> [String: UInt32] {
        guard let filter else { return [:] }
        var actions: [String: UInt32] = [:]
        for (name, errno) in filter.entries {
            actions[name] = filter.allowList ? SeccompAction.allow : (errno.map(SeccompAction.errno) ?? unitAction)
        }
        return actions
    }

    /// A protection's refusal (ProtectClock=: @clock → EPERM) next to the filter, keeping whichever
    /// the kernel would apply if both were separate filters: the filter's own refusal wins.
    static func mergeDeny(_ name: String, _ action: UInt32, into actions: inout [String: UInt32], filter: SyscallFilter?) {
        switch (filter?.allowList, actions[name]) {
        case (true, nil): return
        case (_, .some(let existing)) where existing != SeccompAction.allow: return
        case (_, _): actions[name] = action
        }
    }

    /// A context for the unit's architectures, with `rules` added, exported as BPF.
    static func export(_ rules: [SeccompRule], defaultAction: UInt32,
                       _ settings: PrivilegeSettings) throws -> (UnsafeMutableRawPointer, Int) {
        guard let context = seccomp_init(defaultAction) else { throw LaunchError(description: "seccomp_init failed") }
        defer { seccomp_release(context) }
        try configureArchitectures(context, settings.systemCallArchitectures)
        // A binary tree of system call numbers instead of libseccomp's default linear chain: the
        // kernel walks the program for every call number when it loads it (its action cache), and
        // that walk, paid by every spawn, shrinks from O(calls) to O(log calls) per number.
        _ = seccomp_attr_set(context, SCMP_FLTATR_CTL_OPTIMIZE, 2)
        for rule in rules {
            let number = seccomp_syscall_resolve_name(rule.syscall)
            // __NR_SCMP_ERROR: a name libseccomp does not know; systemd skips those too.
            guard number != -1 else { continue }
            // Errors here are a call this architecture lacks or multiplexes (socketcall): skipped, as systemd does.
            _ = rule.comparisons.withUnsafeBufferPointer { list in
                seccomp_rule_add_array(context, rule.action, number, UInt32(list.count), list.baseAddress)
            }
        }
        var buffer: UnsafeMutableRawPointer?
        var length = 0
        let code = usher_seccomp_export(context, &buffer, &length)
        guard code == 0, let buffer else {
            throw LaunchError(description: "Failed to compile the system call filter: \(SystemError.describe(-code))")
        }
        return (buffer, length)
    }

    /// Every architecture the machine runs by default (x86-64 also runs x86 and x32 code, which
    /// must meet the same rules); SystemCallArchitectures= narrows it and kills the others.
    static func configureArchitectures(_ context: scmp_filter_ctx, _ names: [String]) throws {
        let native = seccomp_arch_native()
        if names.isEmpty {
            if native == seccomp_arch_resolve_name("x86_64") {
                _ = seccomp_arch_add(context, seccomp_arch_resolve_name("x86"))
                _ = seccomp_arch_add(context, seccomp_arch_resolve_name("x32"))
            }
            _ = seccomp_attr_set(context, SCMP_FLTATR_ACT_BADARCH, SeccompAction.allow)
            return
        }
        let wanted = Set(names.map { $0 == "native" ? native : seccomp_arch_resolve_name(libseccompName($0)) })
        for arch in wanted where arch != 0 && arch != native { _ = seccomp_arch_add(context, arch) }
        if !wanted.contains(native) { _ = seccomp_arch_remove(context, native) }
        _ = seccomp_attr_set(context, SCMP_FLTATR_ACT_BADARCH, SeccompAction.killProcess)
    }

    static func libseccompName(_ systemdName: String) -> String {
        switch systemdName {
        case "x86-64": return "x86_64"
        case "arm64": return "aarch64"
        default: return systemdName
        }
    }
}
