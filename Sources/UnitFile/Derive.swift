// Derive and verify: the last two steps of defaults → parse → derive →
// verify. Fills in values that depend on other settings (service pairing,
// trigger-limit burst, implicit oneshot) and refuses what systemd 252 refuses,
// with its wording ("…. Refusing.").

import UnitModel

enum Derive {
    /// Finishes a socket draft; nil result means refused (the reason is in `diagnostics`).
    static func socket(_ draft: UnitDraft, diagnostics: inout [Diagnostic]) -> SocketUnit? {
        var unit = draft.socket
        unit.unit = draft.unit
        if !draft.triggerLimitBurstSet { unit.triggerLimitBurst = unit.accept ? 200 : 20 }
        unit.service = unit.explicitService ?? UnitName(unit.accept ? unit.name.stem + "@.service" : unit.name.stem + ".service")
        if let reason = refusal(of: unit) {
            diagnostics.append(Diagnostic(severity: .error, unit: unit.name.full, message: reason))
            return nil
        }
        return unit
    }

    static func refusal(of unit: SocketUnit) -> String? {
        if unit.listens.isEmpty {
            return "Unit has no Listen setting (ListenStream=, ListenDatagram=, ListenFIFO=, ...). Refusing."
        }
        if unit.accept && unit.listens.contains(where: { !acceptsConnections($0) }) {
            return "Unit configured for accepting sockets, but sockets are non-accepting. Refusing."
        }
        if unit.accept && unit.maxConnections == 0 {
            return "MaxConnection= setting too small. Refusing."
        }
        if unit.accept && unit.explicitService != nil {
            return "Explicit service configuration for accepting socket units not supported. Refusing."
        }
        if !unit.options.symlinks.isEmpty && unit.listens.filter(isFileSystemNode).count != 1 {
            return "Unit has symlinks set but none or more than one node in the file system. Refusing."
        }
        return nil
    }

    /// Stream and seqpacket sockets accept; datagram, FIFO, special, netlink, mqueue, USB do not.
    static func acceptsConnections(_ listen: ListenSpec) -> Bool {
        listen.kind.canAccept
    }

    /// A node Symlinks= can point at, as systemd 252's socket_find_symlink_target counts
    /// them: an AF_UNIX path socket or a FIFO (not ListenSpecial=, a message queue or USB).
    static func isFileSystemNode(_ listen: ListenSpec) -> Bool {
        switch listen.target {
        case .socket(.unixPath): return true
        case .path: return listen.kind == .fifo
        case .socket, .netlink: return false
        }
    }

    /// Finishes a service draft; nil means refused.
    static func service(_ draft: UnitDraft, diagnostics: inout [Diagnostic]) -> ServiceUnit? {
        var unit = draft.service
        unit.unit = draft.unit
        if let interval = draft.startLimitInterval { unit.startLimitInterval = interval }
        if let burst = draft.startLimitBurst { unit.startLimitBurst = burst }
        if !draft.serviceTypeSet && unit.execStart.isEmpty { unit.type = .oneshot }
        if unit.type == .oneshot && !draft.startTimeoutDefined { unit.timeoutStartSec = .infinity }
        // systemd's service_fix_stdio(): StandardInputText=/Data= without StandardInput= means data.
        if unit.exec.standardInput == .null && !unit.exec.standardInputData.isEmpty { unit.exec.standardInput = .data }
        PrivilegeRows.deriveDynamicUser(&unit)
        PrivilegeRows.deriveFilesystemCalls(&unit)
        if let reason = refusal(of: unit, successAction: draft.successActionSet) {
            diagnostics.append(Diagnostic(severity: .error, unit: unit.name.full, message: reason))
            return nil
        }
        if unit.type == .oneshot && !unit.runtimeMaxSec.isInfinity {
            diagnostics.append(Diagnostic(severity: .warning, unit: unit.name.full,
                                          message: "RuntimeMaxSec= has no effect in combination with Type=oneshot. Ignoring."))
        }
        return unit
    }

    static func refusal(of unit: ServiceUnit, successAction: Bool) -> String? {
        if unit.execStart.isEmpty && unit.execStop.isEmpty && !successAction {
            return "Service has no ExecStart=, ExecStop=, or SuccessAction=. Refusing."
        }
        if unit.type != .oneshot && unit.execStart.isEmpty {
            return "Service has no ExecStart= setting, which is only allowed for Type=oneshot services. Refusing."
        }
        if !unit.remainAfterExit && unit.execStart.isEmpty && !successAction {
            return "Service has no ExecStart= and no SuccessAction= settings and does not have RemainAfterExit=yes set. Refusing."
        }
        if unit.type != .oneshot && unit.execStart.count > 1 {
            return "Service has more than one ExecStart= setting, which is only allowed for Type=oneshot services. Refusing."
        }
        if unit.type == .oneshot && (unit.restart == .always || unit.restart == .onSuccess) {
            return "Service has Restart= set to either always or on-success, which isn't allowed for Type=oneshot services. Refusing."
        }
        if unit.type == .dbus && unit.busName == nil {
            return "Service is of type D-Bus but no D-Bus service name has been specified. Refusing."
        }
        return nil
    }
}
