// Reload: which options are fixed once an fd is bound (they force a rebind)
// and which can be changed in place on a kept fd (re-applied, plus listen(2)
// again for a new Backlog=). Keeping fds is what lets clients connect through
// a reload without ever seeing a refused connection.
import UnitModel
import UsherSys

extension OptionPlan {
    /// Options set before bind(2) or baked into the node: a change means a new fd.
    static func bindTimeOptionsEqual(_ a: SocketOptions, _ b: SocketOptions) -> Bool {
        a.bindIPv6Only == b.bindIPv6Only && a.bindToDevice == b.bindToDevice && a.freeBind == b.freeBind
            && a.transparent == b.transparent && a.reusePort == b.reusePort && a.socketProtocol == b.socketProtocol
            && a.socketMode == b.socketMode && a.directoryMode == b.directoryMode && a.socketUser == b.socketUser
            && a.socketGroup == b.socketGroup && a.writable == b.writable
            && a.messageQueueMaxMessages == b.messageQueueMaxMessages
            && a.messageQueueMessageSize == b.messageQueueMessageSize
    }

    /// In-place options can be turned on or changed, never back to "unset": the
    /// kernel default they had is not known any more, so that needs a new fd.
    static func inPlaceOptionsCanMove(from old: SocketOptions, to new: SocketOptions) -> Bool {
        let flags: [(Bool, Bool)] = [
            (old.keepAlive, new.keepAlive), (old.noDelay, new.noDelay), (old.broadcast, new.broadcast),
            (old.passCredentials, new.passCredentials), (old.passSecurity, new.passSecurity),
            (old.passPacketInfo, new.passPacketInfo), (old.timestamping != .off, new.timestamping != .off),
        ]
        let values: [(Bool, Bool)] = [
            (old.keepAliveTime != nil, new.keepAliveTime != nil),
            (old.keepAliveInterval != nil, new.keepAliveInterval != nil),
            (old.keepAliveProbes != nil, new.keepAliveProbes != nil), (old.deferAccept != nil, new.deferAccept != nil),
            (old.tcpCongestion != nil, new.tcpCongestion != nil), (old.priority != nil, new.priority != nil),
            (old.receiveBuffer != nil, new.receiveBuffer != nil), (old.sendBuffer != nil, new.sendBuffer != nil),
            (old.ipTOS != nil, new.ipTOS != nil), (old.ipTTL != nil, new.ipTTL != nil),
            (old.mark != nil, new.mark != nil), (old.pipeSize != nil, new.pipeSize != nil),
        ]
        let timestampingKept = old.timestamping == .off || old.timestamping == new.timestamping
        return (flags + values).allSatisfy { wasSet, isSet in !wasSet || isSet } && timestampingKept
    }

    /// Re-applies the in-place options of `options` to a kept listener (best-effort).
    static func applyInPlace(_ options: SocketOptions, to listener: BoundListener, context: inout BindContext) {
        if let address = listener.address {
            let proto = (try? SocketOptionName.protocolNumber.get(listener.fd.raw)) ?? 0
            let target = OptionTarget(fd: listener.fd.raw, family: address.family, protocolNumber: proto)
            if listener.spec.kind.canAccept, options.backlog != listener.options.backlog {
                do {
                    try Socket.listen(listener.fd, backlog: clamp(options.backlog), object: listener.localDescription)
                } catch {
                    context.warn("listen", error)
                }
            }
            // Only best-effort steps run after listen; `run` cannot throw for them.
            try? run(afterListen, options, target, context: &context)
        } else if listener.spec.kind == .fifo, let size = options.pipeSize {
            do {
                try FileNodes.setPipeSize(listener.fd.raw, clamp(size))
            } catch {
                context.warn("F_SETPIPE_SZ", error)
            }
        }
    }
}
