// The runtime properties `show` adds when usherd answers, in systemctl's
// Key=value form: states and Result, timestamps as "Wed 2026-12-02 04:31:00 UTC"
// (empty when it never happened, as systemctl prints them), a socket's counters,
// a service's main process, exit and restarts.

import ControlProtocol

enum RuntimeProperties {
    static func lines(_ unit: UnitStatus) -> [String] {
        var pairs: [(String, String)] = [
            ("LoadState", unit.loadState), ("ActiveState", unit.activeState), ("SubState", unit.subState),
            ("Result", unit.result),
            ("StateChangeTimestamp", time(unit.stateChangeTimestamp)),
            ("ActiveEnterTimestamp", time(unit.activeEnterTimestamp)),
            ("ActiveExitTimestamp", time(unit.activeExitTimestamp)),
            ("InactiveEnterTimestamp", time(unit.inactiveEnterTimestamp)),
        ]
        switch unit.kind {
        case .socket:
            pairs += [("NAccepted", "\(unit.nAccepted ?? 0)"), ("NConnections", "\(unit.nConnections ?? 0)"),
                      ("NRefused", "\(unit.nRefused ?? 0)")]
        case .service:
            pairs += [("MainPID", "\(unit.mainPID ?? 0)"), ("ControlPID", "\(unit.controlPID ?? 0)"),
                      ("NRestarts", "\(unit.nRestarts ?? 0)"),
                      ("ExecMainStartTimestamp", time(unit.execMainStartTimestamp)),
                      ("ExecMainExitTimestamp", time(unit.execMainExitTimestamp)),
                      ("ExecMainCode", "\(unit.execMainCode ?? 0)"), ("ExecMainStatus", "\(unit.execMainStatus ?? 0)"),
                      ("StatusText", unit.statusText ?? ""), ("StatusErrno", "\(unit.statusErrno ?? 0)"),
                      ("NFileDescriptorStore", "\(unit.nFileDescriptorStore ?? 0)")]
        }
        return pairs.map { "\($0.0)=\($0.1)" }
    }

    private static func time(_ microseconds: UInt64?) -> String {
        microseconds.map(TimeFormat.timestamp) ?? ""
    }
}
