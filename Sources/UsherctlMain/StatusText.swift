// One unit's `status` block in systemctl's layout: the "● NAME - Description"
// header, then right-aligned labels (Loaded, Drop-In, Active, TriggeredBy,
// Triggers, Listen, Accepted, Main PID, Status, Instances), then the newest
// log lines. Pure: the snapshot, the clock and the terminal style go in.

import Activation
import ControlProtocol

struct StatusText {
    var terminal: Terminal
    var now: UInt64
    /// How many live Accept=yes instances are listed before "… and N more".
    static let instanceLimit = 10
    static let logLimit = 10

    func render(_ unit: UnitStatus) -> [String] {
        var lines = [header(unit)]
        lines += loaded(unit) + dropIns(unit.dropInPaths)
        lines.append(label("Active") + active(unit))
        if let error = unit.loadError, unit.loadState == "loaded" { lines.append(label("Error") + error) }
        lines += relations(unit) + socketLines(unit) + serviceLines(unit) + instanceLines(unit)
        let log = (unit.recentLog ?? []).suffix(Self.logLimit)
        if !log.isEmpty { lines += [""] + log.map { LogText(terminal: terminal).line($0) } }
        return lines
    }

    func header(_ unit: UnitStatus) -> String {
        let description = unit.description.map { " - " + $0 } ?? ""
        return terminal.stateDot(unit.activeState) + " " + unit.id + description
    }

    /// systemctl's label column: right-aligned so that every colon sits at column 11.
    func label(_ name: String) -> String {
        String(repeating: " ", count: max(0, 11 - name.count)) + name + ": "
    }

    private var continuation: String { String(repeating: " ", count: 13) }

    private func loaded(_ unit: UnitStatus) -> [String] {
        if unit.loadState != "loaded" {
            let reason = unit.loadError.map { " (Reason: \($0))" } ?? ""
            return [label("Loaded") + unit.loadState + reason]
        }
        return [label("Loaded") + unit.loadState + (unit.fragmentPath.map { " (\($0))" } ?? "")]
    }

    /// Drop-ins grouped by directory, each file under its directory as systemctl draws it.
    private func dropIns(_ paths: [String]) -> [String] {
        var lines: [String] = []
        var directories: [(String, [String])] = []
        for path in paths {
            let slash = path.lastIndex(of: "/") ?? path.startIndex
            let directory = String(path[..<slash]), file = String(path[path.index(after: slash)...])
            if let index = directories.firstIndex(where: { $0.0 == directory }) {
                directories[index].1.append(file)
            } else {
                directories.append((directory, [file]))
            }
        }
        for (number, (directory, files)) in directories.enumerated() {
            lines.append((number == 0 ? label("Drop-In") : continuation) + directory)
            let joined = files.joined(separator: ", ")
            lines.append(continuation + terminal.treeLast + joined)
        }
        return lines
    }

    /// "active (listening) since Wed 2026-12-02 04:31:00 UTC; 5min ago", with the Result when failed.
    func active(_ unit: UnitStatus) -> String {
        var state = "\(unit.activeState) (\(unit.subState))"
        if unit.activeState == "failed" { state = "\(unit.activeState) (Result: \(unit.result))" }
        var text = terminal.state(state, activeState: unit.activeState)
        if let since = sinceTimestamp(unit) {
            text += " since \(TimeFormat.timestamp(since)); \(TimeFormat.relative(since, now: now))"
        }
        return text
    }

    /// The timestamp systemctl puts after "since" for this state.
    private func sinceTimestamp(_ unit: UnitStatus) -> UInt64? {
        switch unit.activeState {
        case "active", "reloading": return unit.activeEnterTimestamp ?? unit.stateChangeTimestamp
        case "inactive", "failed": return unit.inactiveEnterTimestamp ?? unit.stateChangeTimestamp
        default: return unit.stateChangeTimestamp
        }
    }

    private func relations(_ unit: UnitStatus) -> [String] {
        var lines: [String] = []
        if let by = unit.triggeredBy, !by.isEmpty { lines += list("TriggeredBy", by.map { terminal.dot + " " + $0 }) }
        if let triggers = unit.triggers, !triggers.isEmpty {
            lines += list("Triggers", triggers.map { terminal.dot + " " + $0 })
        }
        return lines
    }

    /// The first item beside the label, the others under it.
    private func list(_ name: String, _ items: [String]) -> [String] {
        items.enumerated().map { ($0.offset == 0 ? label(name) : continuation) + $0.element }
    }

    /// The visible warning for protections the unit asks for and usherd does not enforce.
    private func protectionLines(_ unit: UnitStatus) -> [String] {
        guard let missing = unit.protectionsNotEnforced, !missing.isEmpty else { return [] }
        return [label("Warning") + "protection not enforced: " + missing.map { $0 + "=" }.joined(separator: " ")]
    }

    private func socketLines(_ unit: UnitStatus) -> [String] {
        guard unit.kind == .socket else { return [] }
        var lines = protectionLines(unit) + list("Listen", (unit.listen ?? []).map { "\($0.address) (\($0.type))" })
        if unit.nAccepted != nil || unit.nConnections != nil || unit.nRefused != nil {
            lines.append(label("Accepted") + "\(unit.nAccepted ?? 0); Connected: \(unit.nConnections ?? 0); "
                + "Refused: \(unit.nRefused ?? 0)")
        }
        return lines
    }

    private func serviceLines(_ unit: UnitStatus) -> [String] {
        guard unit.kind == .service else { return [] }
        var lines: [String] = []
        let exit = Self.exitText(code: unit.execMainCode, status: unit.execMainStatus).map { " (\($0))" } ?? ""
        if let pid = unit.mainPID, pid > 0 {
            lines.append(label("Main PID") + "\(pid)" + (unit.activeState == "active" ? "" : exit))
        } else if !exit.isEmpty {
            lines.append(label("Main PID") + "n/a" + exit)
        }
        if let text = unit.statusText, !text.isEmpty { lines.append(label("Status") + "\"\(text)\"") }
        if let limit = unit.fileDescriptorStoreMax, limit > 0 {
            lines.append(label("FD Store") + "\(unit.nFileDescriptorStore ?? 0) (limit: \(limit))")
        }
        lines += protectionLines(unit)
        return lines
    }

    /// "code=exited, status=0/SUCCESS" from systemd's ExecMainCode (CLD_*) and ExecMainStatus.
    static func exitText(code: Int?, status: Int32?) -> String? {
        guard let code, let status else { return nil }
        switch code {
        case 1: return ExitStatus.exited(status).description
        case 2: return ExitStatus.killed(signal: status).description
        case 3: return ExitStatus.dumped(signal: status).description
        default: return nil
        }
    }

    private func instanceLines(_ unit: UnitStatus) -> [String] {
        let live = unit.instances ?? [], finished = unit.finishedInstances ?? []
        guard !live.isEmpty || !finished.isEmpty else { return [] }
        var items = live.prefix(Self.instanceLimit).map {
            "\($0.id) (PID \($0.mainPID), since \(TimeFormat.timestamp($0.startTimestamp)))"
        }
        if live.count > Self.instanceLimit { items.append("\(terminal.ellipsis) and \(live.count - Self.instanceLimit) more") }
        var lines = live.isEmpty ? [] : [label("Instances") + "\(live.count) running"] + tree(items)
        let ended = finished.map { "\($0.id) (\(Self.exitText(code: $0.execMainCode, status: $0.execMainStatus) ?? "ended"))" }
        lines += list("Finished", ended)
        return lines
    }

    private func tree(_ items: [String]) -> [String] {
        items.enumerated().map {
            continuation + ($0.offset == items.count - 1 ? terminal.treeLast : terminal.treeBranch) + $0.element
        }
    }
}

/// One log line as `status` and `logs` print it: "Dec 02 04:31:00 web.service: text";
/// usherd's own lines about the unit read "Dec 02 04:31:00 usherd: text".
struct LogText {
    var terminal: Terminal

    func line(_ log: LogLine) -> String {
        let origin = log.source == .usherd ? "usherd" : log.unit
        let text = log.priority <= 3 ? terminal.red(log.text) : log.priority == 4 ? terminal.bold(log.text) : log.text
        return "\(TimeFormat.short(log.timestamp)) \(origin): \(text)"
    }
}
