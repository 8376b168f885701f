// `usherctl show`: every resolved property of a loaded unit as Key=value
// lines, in a fixed order, formatted like `systemctl show` (yes/no booleans,
// "1min 30s" time spans, space-separated lists). Used by golden tests too.

import UnitModel

public enum UnitProperties {
    public static func socket(_ u: SocketUnit) -> [(String, String)] {
        var p: [(String, String)] = [("Id", u.name.full)]
        p += u.listens.map { ("Listen", "\($0.text) (\(listenKindName($0.kind)))") }
        p += [
            ("Accept", yesNo(u.accept)), ("Service", u.service.full), ("FlushPending", yesNo(u.flushPending)),
            ("MaxConnections", "\(u.maxConnections)"), ("MaxConnectionsPerSource", "\(u.maxConnectionsPerSource)"),
            ("MaxConnectionsPolicy", u.maxConnectionsPolicy.rawValue), ("FileDescriptorName", u.fdName),
            ("TriggerLimitIntervalUSec", time(u.triggerLimitInterval)), ("TriggerLimitBurst", "\(u.triggerLimitBurst)"),
            ("TriggerLimitCooldownUSec", u.triggerLimitCooldown.map(time) ?? ""),
            ("ResolveHostNames", yesNo(u.resolveHostNames)), ("TimeoutUSec", time(u.timeout)),
        ]
        p += socketOptions(u.options)
        p += commands("ExecStartPre", u.execStartPre) + commands("ExecStartPost", u.execStartPost)
            + commands("ExecStopPre", u.execStopPre) + commands("ExecStopPost", u.execStopPost)
        return p + unitSection(u.unit)
    }

    static func socketOptions(_ o: SocketOptions) -> [(String, String)] {
        [
            ("BindIPv6Only", o.bindIPv6Only.rawValue), ("Backlog", "\(o.backlog)"), ("BindToDevice", o.bindToDevice ?? ""),
            ("FreeBind", yesNo(o.freeBind)), ("Transparent", yesNo(o.transparent)), ("Broadcast", yesNo(o.broadcast)),
            ("ReusePort", yesNo(o.reusePort)), ("KeepAlive", yesNo(o.keepAlive)),
            ("KeepAliveTimeUSec", o.keepAliveTime.map(time) ?? "0"), ("KeepAliveIntervalUSec", o.keepAliveInterval.map(time) ?? "0"),
            ("KeepAliveProbes", "\(o.keepAliveProbes ?? 0)"), ("NoDelay", yesNo(o.noDelay)),
            ("DeferAcceptUSec", o.deferAccept.map(time) ?? "0"), ("TCPCongestion", o.tcpCongestion ?? ""),
            ("Priority", o.priority.map { "\($0)" } ?? "-1"), ("ReceiveBuffer", o.receiveBuffer.map { "\($0)" } ?? "0"),
            ("SendBuffer", o.sendBuffer.map { "\($0)" } ?? "0"), ("IPTOS", o.ipTOS.map { "\($0)" } ?? "-1"),
            ("IPTTL", o.ipTTL.map { "\($0)" } ?? "-1"), ("Mark", o.mark.map { "\($0)" } ?? "-1"),
            ("PassCredentials", yesNo(o.passCredentials)), ("PassSecurity", yesNo(o.passSecurity)),
            ("PassPacketInfo", yesNo(o.passPacketInfo)), ("Timestamping", o.timestamping.rawValue),
            ("PipeSize", o.pipeSize.map { "\($0)" } ?? "0"),
            ("MessageQueueMaxMessages", o.messageQueueMaxMessages.map { "\($0)" } ?? "0"),
            ("MessageQueueMessageSize", o.messageQueueMessageSize.map { "\($0)" } ?? "0"),
            ("SocketProtocol", o.socketProtocol ?? ""), ("SocketUser", o.socketUser ?? ""), ("SocketGroup", o.socketGroup ?? ""),
            ("SocketMode", octal(o.socketMode)), ("DirectoryMode", octal(o.directoryMode)), ("Writable", yesNo(o.writable)),
            ("Symlinks", o.symlinks.joined(separator: " ")), ("RemoveOnStop", yesNo(o.removeOnStop)),
        ]
    }

    public static func service(_ u: ServiceUnit) -> [(String, String)] {
        var p: [(String, String)] = [
            ("Id", u.name.full), ("Type", u.type.rawValue), ("Restart", u.restart.rawValue),
            ("RestartUSec", time(u.restartSec)), ("TimeoutStartUSec", time(u.timeoutStartSec)),
            ("TimeoutStopUSec", time(u.timeoutStopSec)), ("TimeoutAbortUSec", u.timeoutAbortSec.map(time) ?? ""),
            ("RuntimeMaxUSec", time(u.runtimeMaxSec)), ("WatchdogUSec", u.watchdogSec.map(time) ?? "0"),
            ("RemainAfterExit", yesNo(u.remainAfterExit)),
            ("SuccessExitStatus", exitStatus(u.successExitStatus, u.successExitSignals)),
            ("RestartPreventExitStatus", exitStatus(u.restartPreventExitStatus, u.restartPreventExitSignals)),
            ("Sockets", u.sockets.map(\.full).joined(separator: " ")), ("NonBlocking", yesNo(u.nonBlocking)),
            ("FileDescriptorStoreMax", "\(u.fileDescriptorStoreMax)"), ("NotifyAccess", u.notifyAccess?.rawValue ?? "none"),
            ("BusName", u.busName ?? ""),
            ("StartLimitIntervalUSec", time(u.startLimitInterval)), ("StartLimitBurst", "\(u.startLimitBurst)"),
        ]
        p += commands("ExecStartPre", u.execStartPre) + commands("ExecStart", u.execStart)
            + commands("ExecStartPost", u.execStartPost) + commands("ExecReload", u.execReload)
            + commands("ExecStop", u.execStop) + commands("ExecStopPost", u.execStopPost)
        return p + execContext(u.exec) + kill(u.kill) + unitSection(u.unit)
    }

    static func execContext(_ e: ExecContext) -> [(String, String)] {
        var p: [(String, String)] = [
            ("User", e.user ?? ""), ("Group", e.group ?? ""), ("SupplementaryGroups", e.supplementaryGroups.joined(separator: " ")),
            ("WorkingDirectory", (e.workingDirectoryOptional ? "!" : "") + (e.workingDirectory ?? "")),
            ("Environment", e.environment.map { "\($0.0)=\($0.1)" }.joined(separator: " ")),
            ("EnvironmentFiles", e.environmentFiles.map { "\($0.path) (ignore_errors=\(yesNo($0.optional)))" }.joined(separator: " ")),
            ("PassEnvironment", e.passEnvironment.joined(separator: " ")),
            ("UnsetEnvironment", e.unsetEnvironment.joined(separator: " ")), ("UMask", octal(e.umask, width: 4)),
            ("Nice", e.nice.map { "\($0)" } ?? "0"), ("StandardInput", input(e.standardInput)),
            ("StandardOutput", e.standardOutput.map(output) ?? "journal"), ("StandardError", e.standardError.map(output) ?? "inherit"),
            ("SyslogIdentifier", e.syslogIdentifier ?? ""), ("IgnoreSIGPIPE", yesNo(e.ignoreSIGPIPE)),
        ]
        for (name, limit) in e.limits.sorted(by: { $0.key < $1.key }) {
            p.append(("Limit" + name, limit.hard.map { "\($0)" } ?? "infinity"))
            p.append(("Limit" + name + "Soft", limit.soft.map { "\($0)" } ?? "infinity"))
        }
        // As a root usherd enforces them (a non-root one cannot unshare namespaces; `usherctl status` says).
        let split = SecurityKeys.partition(e.securityKeys, privileged: true)
        p.append(("ProtectionsEnforced", split.enforced.joined(separator: " ")))
        p.append(("ProtectionsNotEnforced", split.notEnforced.joined(separator: " ")))
        return p
    }

    static func kill(_ k: KillContext) -> [(String, String)] {
        [("KillMode", k.killMode.rawValue), ("KillSignal", "\(k.killSignal)"), ("SendSIGKILL", yesNo(k.sendSIGKILL))]
    }

    static func unitSection(_ u: UnitSection) -> [(String, String)] {
        func names(_ list: [UnitName]) -> String { list.map(\.full).joined(separator: " ") }
        var p: [(String, String)] = [
            ("Description", u.description ?? ""), ("Documentation", u.documentation.joined(separator: " ")),
            ("Requires", names(u.requires)), ("Wants", names(u.wants)), ("After", names(u.after)),
            ("Before", names(u.before)), ("BindsTo", names(u.bindsTo)), ("PartOf", names(u.partOf)),
            ("Conflicts", names(u.conflicts)), ("DefaultDependencies", yesNo(u.defaultDependencies)),
        ]
        p += u.conditions.map { c in
            ((c.isAssert ? "Assert" : "Condition") + c.kind.rawValue, (c.triggering ? "|" : "") + (c.negated ? "!" : "") + c.path)
        }
        p += [("WantedBy", u.wantedBy.joined(separator: " ")), ("RequiredBy", u.requiredBy.joined(separator: " ")),
              ("Alias", u.alias.joined(separator: " ")), ("Also", u.also.joined(separator: " ")),
              ("DefaultInstance", u.defaultInstance ?? "")]
        return p
    }
}
