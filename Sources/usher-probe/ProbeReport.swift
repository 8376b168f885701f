// The probe's JSON report: what the service manager gave this process, in the
// shape of the conformance probe's report (LISTEN_* values, environment in
// order, fd by fd, process state, actions taken). Written atomically.
import Foundation
import UsherSys

struct ProbeReport {
    var object: [String: Any] = [:]
    var actions: [[String: Any]] = []
    let label: String
    let pid: Int32

    init(options: Options, environment: [String], state: ProcessState, fdReports: [[String: Any]], listenCount: Int,
         listenNames: [String]) {
        label = options.label
        pid = state.pid
        let variables = EnvironmentEntries.dictionary(environment)
        object["label"] = options.label
        object["pid"] = Int(state.pid)
        object["argv"] = CommandLine.arguments
        object["environ"] = environment
        object["sd_listen_fds"] = listenCount
        object["sd_listen_fds_names"] = listenNames
        object["LISTEN_FDS"] = variables["LISTEN_FDS"] ?? NSNull()
        object["LISTEN_FDNAMES"] = variables["LISTEN_FDNAMES"] ?? NSNull()
        object["LISTEN_PID_matches_getpid"] = variables["LISTEN_PID"] == String(state.pid)
        object["NOTIFY_SOCKET"] = variables["NOTIFY_SOCKET"] ?? NSNull()
        object["fds"] = fdReports
        object["sid_is_self"] = state.sessionID == state.pid
        object["pgrp_is_self"] = state.processGroup == state.pid
        object["umask"] = String(format: "%04o", state.umask)
        object["signal_mask"] = state.blockedSignals.map(signalLabel)
        object["signals_ignored"] = state.ignoredSignals.map(signalLabel)
        object["cwd"] = state.cwd
        object["uid_gid"] = [Int(state.uid), Int(state.gid)]
        object["ppid"] = Int(state.parentPID)
        object["limits"] = ProbeReport.limits()
        object["nice"] = Int(getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0))
        object["groups"] = ProbeReport.supplementaryGroups()
    }

    /// Every RLIMIT_* by its Limit*= name: [soft, hard], -1 for infinity.
    static func limits() -> [String: [Int64]] {
        let names = ProcessLimits.resourceNames
        var result: [String: [Int64]] = [:]
        for (index, pair) in ProcessLimits.current().enumerated() where index < names.count {
            result[names[index]] = [pair.soft, pair.hard].map { $0 == UInt64.max ? -1 : Int64(clamping: $0) }
        }
        return result
    }

    static func supplementaryGroups() -> [Int] {
        var groups = [gid_t](repeating: 0, count: 256)
        let count = getgroups(Int32(groups.count), &groups)
        return count < 0 ? [] : groups.prefix(Int(count)).map { Int($0) }.sorted()
    }

    mutating func record(_ action: [String: Any]) { actions.append(action) }

    /// Writes DIR/LABEL.PID.json through a temporary file and rename.
    func write(to directory: String) {
        var full = object
        full["actions"] = actions
        guard let data = try? JSONSerialization.data(withJSONObject: full, options: [.prettyPrinted, .sortedKeys])
        else { return }
        let path = "\(directory)/\(label).\(pid).json"
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: data) else { return }
        // rename(2) replaces atomically: a reader never sees a missing or half-written report.
        _ = rename(temporary, path)
    }
}

/// `SIGPIPE` for 13 (Linux numbering).
func signalLabel(_ signal: Int32) -> String {
    let names = ["HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2",
                 "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG",
                 "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS"]
    let index = Int(signal) - 1
    return index >= 0 && index < names.count ? "SIG" + names[index] : "SIGRT\(signal)"
}

enum EnvironmentEntries {
    static func dictionary(_ entries: [String]) -> [String: String] {
        var result: [String: String] = [:]
        for entry in entries {
            guard let equals = entry.firstIndex(of: "=") else { continue }
            result[String(entry[..<equals])] = String(entry[entry.index(after: equals)...])
        }
        return result
    }
}

enum FDReport {
    static func describe(_ fd: Int32) -> [String: Any]? {
        guard let info = FDInfo.describe(fd) else { return nil }
        var entry: [String: Any] = ["fd": Int(fd), "target": info.target, "type": info.kind,
                                    "FD_CLOEXEC": info.closeOnExec, "O_NONBLOCK": info.nonBlocking,
                                    "accmode": info.accessMode]
        guard info.kind == "socket", let identity = try? Socket.identity(fd) else { return entry }
        let families: [Int32: String] = [1: "AF_UNIX", 2: "AF_INET", 10: "AF_INET6", 16: "AF_NETLINK"]
        let types: [Int32: String] = [1: "SOCK_STREAM", 2: "SOCK_DGRAM", 5: "SOCK_SEQPACKET"]
        entry["family"] = families[identity.family] ?? "\(identity.family)"
        entry["socktype"] = types[identity.type] ?? "\(identity.type)"
        entry["sockname"] = (try? Socket.localAddress(fd))?.description ?? ""
        for option in [SocketOptionName.acceptConnections, .reuseAddress, .keepAlive, .passCredentials] {
            entry[option.label] = (try? option.get(fd)).map { Int($0) } ?? "ERR"
        }
        return entry
    }
}
