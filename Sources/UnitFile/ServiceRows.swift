// [Service] rows for what a socket-activated service needs: type, commands,
// restart policy, timeouts, exit statuses, sockets, fd store, notify access,
// watchdog, and the [Service] compat spellings of the start rate limit.

import UnitModel

enum ServiceRows {
    static let v = "Service"

    static let rows: [OptionRow] = commandRows + lifecycleRows + socketRows

    static let commandRows: [OptionRow] = [
        ExecRows.commands(v, "ExecStartPre", "ServiceUnit.execStartPre") { appendOrReset(&$0.service.execStartPre, $1) },
        ExecRows.commands(v, "ExecStart", "ServiceUnit.execStart") { appendOrReset(&$0.service.execStart, $1) },
        ExecRows.commands(v, "ExecStartPost", "ServiceUnit.execStartPost") { appendOrReset(&$0.service.execStartPost, $1) },
        ExecRows.commands(v, "ExecReload", "ServiceUnit.execReload") { appendOrReset(&$0.service.execReload, $1) },
        ExecRows.commands(v, "ExecStop", "ServiceUnit.execStop") { appendOrReset(&$0.service.execStop, $1) },
        ExecRows.commands(v, "ExecStopPost", "ServiceUnit.execStopPost") { appendOrReset(&$0.service.execStopPost, $1) },
    ]

    static let lifecycleRows: [OptionRow] = [
        Rows.enumeration(v, "Type", "ServiceUnit.type", ServiceType.self, what: "service type") { d, t in
            d.service.type = t
            d.serviceTypeSet = true
        },
        OptionRow(v, "BusName", "D-Bus well-known name", "ServiceUnit.busName", flags: .specifiers) { s, a in
            guard let name = s.expand(a, failure: .bare) else { return }
            guard BusNames.isValid(name) else { return s.warn(a, "Invalid bus name, ignoring: \(name)") }
            s.draft.service.busName = name
        },
        Rows.enumeration(v, "Restart", "ServiceUnit.restart", RestartPolicy.self, what: "service restart specifier") {
            $0.service.restart = $1
        },
        Rows.timeSpan(v, "RestartSec", "ServiceUnit.restartSec") { $0.service.restartSec = $1 },
        Rows.timeSpan(v, "TimeoutSec", "ServiceUnit.timeoutStartSec+timeoutStopSec", what: "TimeoutSec= parameter") { d, t in
            let span = t.microseconds == 0 ? TimeSpan.infinity : t
            if !d.timeoutStartSet { d.service.timeoutStartSec = span }
            if !d.timeoutStopSet { d.service.timeoutStopSec = span }
            d.startTimeoutDefined = true
        },
        Rows.timeSpan(v, "TimeoutStartSec", "ServiceUnit.timeoutStartSec", what: "TimeoutStartSec= parameter") { d, t in
            d.service.timeoutStartSec = t.microseconds == 0 ? .infinity : t
            d.timeoutStartSet = true
            d.startTimeoutDefined = true
        },
        Rows.timeSpan(v, "TimeoutStopSec", "ServiceUnit.timeoutStopSec", what: "time value") { d, t in
            d.service.timeoutStopSec = t.microseconds == 0 ? .infinity : t
            d.timeoutStopSet = true
        },
        OptionRow(v, "TimeoutAbortSec", "time span (empty: use TimeoutStopSec=)", "ServiceUnit.timeoutAbortSec") { s, a in
            if a.value.isEmpty { return s.draft.service.timeoutAbortSec = nil }
            guard case .success(let t) = TimeSpanParser.parse(a.value) else {
                return s.warn(a, "Failed to parse TimeoutAbortSec= setting, ignoring: \(a.value)")
            }
            s.draft.service.timeoutAbortSec = t.microseconds == 0 ? .infinity : t
        },
        Rows.timeSpan(v, "RuntimeMaxSec", "ServiceUnit.runtimeMaxSec") { $0.service.runtimeMaxSec = $1 },
        Rows.timeSpan(v, "WatchdogSec", "ServiceUnit.watchdogSec") { $0.service.watchdogSec = $1.microseconds == 0 ? nil : $1 },
        Rows.boolean(v, "RemainAfterExit", "ServiceUnit.remainAfterExit") { $0.service.remainAfterExit = $1 },
        exitStatus("SuccessExitStatus", "ServiceUnit.successExitStatus", \.successExitStatus, \.successExitSignals),
        exitStatus("RestartPreventExitStatus", "ServiceUnit.restartPreventExitStatus",
                   \.restartPreventExitStatus, \.restartPreventExitSignals),
        exitStatus("RestartForceExitStatus", "ServiceUnit.restartForceExitStatus",
                   \.restartForceExitStatus, \.restartForceExitSignals),
        pidFileRow,
        Rows.boolean(v, "GuessMainPID", "ServiceUnit.guessMainPID") { $0.service.guessMainPID = $1 },
        compat(Rows.unsigned(v, "StartLimitBurst", "ServiceUnit.startLimitBurst") { $0.startLimitBurst = $1 }),
        compat(Rows.timeSpan(v, "StartLimitInterval", "ServiceUnit.startLimitInterval") { $0.startLimitInterval = $1 }),
    ]

    static let socketRows: [OptionRow] = [
        Rows.unitNames(v, "Sockets", "ServiceUnit.sockets", suffix: ".socket", mismatch: "Unit must be of type socket") {
            appendOrReset(&$0.service.sockets, $1)
        },
        Rows.boolean(v, "NonBlocking", "ServiceUnit.nonBlocking") { $0.service.nonBlocking = $1 },
        Rows.unsigned(v, "FileDescriptorStoreMax", "ServiceUnit.fileDescriptorStoreMax") { $0.service.fileDescriptorStoreMax = $1 },
        Rows.enumeration(v, "NotifyAccess", "ServiceUnit.notifyAccess", NotifyAccess.self, what: "notify access specifier") {
            $0.service.notifyAccess = $1
        },
    ]

    /// PIDFile=: an absolute path after specifiers; /var/run/ is rewritten to /run/ as systemd 252 does.
    static let pidFileRow = OptionRow(v, "PIDFile", "absolute path", "ServiceUnit.pidFile", flags: .specifiers) { s, a in
        if a.value.isEmpty { return s.draft.service.pidFile = nil }
        guard let path = s.expand(a) else { return }
        guard path.hasPrefix("/") else { return s.warn(a, "PIDFile= path is not absolute, ignoring: \(path)") }
        if path.hasPrefix("/var/run/") {
            let moved = "/run/" + path.dropFirst("/var/run/".count)
            s.warn(a, "PIDFile= references a path below legacy directory /var/run/, updating \(path) → \(moved); please update the unit file accordingly.")
            return s.draft.service.pidFile = moved
        }
        s.draft.service.pidFile = path
    }

    /// systemd still reads these [Unit] settings in [Service] (older spelling).
    static func compat(_ row: OptionRow) -> OptionRow {
        var r = row
        r.aliasOf = "Unit." + (row.key == "StartLimitInterval" ? "StartLimitIntervalSec" : row.key)
        return r
    }

    /// Exit codes 0…255 and signal names; each bad word warns on its own.
    static func exitStatus(_ key: String, _ dest: String, _ codesPath: WritableKeyPath<ServiceUnit, [Int32]>,
                           _ signalsPath: WritableKeyPath<ServiceUnit, [Int32]>) -> OptionRow {
        OptionRow(v, key, "exit codes and signal names", dest, flags: .list) { s, a in
            if a.value.isEmpty {
                s.draft.service[keyPath: codesPath] = []
                s.draft.service[keyPath: signalsPath] = []
                return
            }
            var codes: [Int32] = []
            var signals: [Int32] = []
            guard case .success(let words) = WordSplitter.split(a.value, cUnescape: false, unquote: false) else {
                return s.warn(a, "Invalid syntax, ignoring: \(a.value)")
            }
            for word in words {
                if case .success(let code) = ValueParsers.unsigned(word, max: 255) {
                    codes.append(Int32(code))
                } else if let code = ExitStatusNames.codes[word] {
                    codes.append(code)
                } else if let sig = ValueParsers.signal(word) {
                    signals.append(sig)
                } else {
                    s.warn(a, "Failed to parse value, ignoring: \(word)")
                }
            }
            s.draft.service[keyPath: codesPath] += codes
            s.draft.service[keyPath: signalsPath] += signals
        }
    }
}

/// D-Bus well-known names: dot-separated elements of [A-Za-z0-9_-], none empty or starting with a digit, ≤ 255 bytes.
enum BusNames {
    static func isValid(_ name: String) -> Bool {
        let elements = name.split(separator: ".", omittingEmptySubsequences: false)
        guard name.utf8.count <= 255, elements.count >= 2 else { return false }
        return elements.allSatisfy { element in
            guard let first = element.first, !first.isNumber else { return false }
            return element.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
        }
    }
}
