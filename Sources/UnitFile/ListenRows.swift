// The eight Listen*= rows. An empty assignment drops every listener so far
// (systemd resets all ports, not just those of one kind); a bad address warns
// with systemd's errno text and is skipped, so the rest of the unit loads.

import UnitModel

extension SocketRows {
    static func listen(_ kind: ListenKind) -> OptionRow {
        OptionRow(s, kind.rawValue, listenValueType(kind), "SocketUnit.listens", flags: [.list, .specifiers]) { ss, a in
            if a.value.isEmpty { return ss.draft.socket.listens.removeAll() }
            guard let value = ss.expand(a) else { return }
            switch listenTarget(kind, value, raw: a.value, resolveHostNames: ss.draft.resolveHostNames) {
            case .success(let target):
                ss.draft.socket.listens.append(ListenSpec(kind: kind, target: target, text: value))
            case .failure(let failure):
                ss.warn(a, failure.message)
            }
        }
    }

    static func listenValueType(_ kind: ListenKind) -> String {
        switch kind {
        case .stream, .datagram, .sequentialPacket: return "socket address"
        case .netlink: return "netlink family [group]"
        default: return "absolute path"
        }
    }

    struct ListenFailure: Error { var message: String }

    /// `raw` is the value as written (systemd quotes it unexpanded in "Address family not supported").
    static func listenTarget(_ kind: ListenKind, _ value: String, raw: String, resolveHostNames: Bool)
        -> Result<ListenSpec.Target, ListenFailure> {
        switch kind {
        case .stream, .datagram, .sequentialPacket:
            switch ListenAddressParser.socketAddress(value, resolveHostNames: resolveHostNames) {
            case .success(let address):
                if kind == .sequentialPacket && !address.isUnix {
                    return .failure(ListenFailure(message: "Address family not supported, ignoring: \(raw)"))
                }
                return .success(.socket(address))
            case .failure(let e):
                return .failure(ListenFailure(message: "Failed to parse address value in '\(value)', ignoring: \(e.errnoText)"))
            }
        case .netlink:
            switch ListenAddressParser.netlink(value) {
            case .success(let spec): return .success(.netlink(spec))
            case .failure(let e):
                return .failure(ListenFailure(message: "Failed to parse address value in '\(value)', ignoring: \(e.errnoText)"))
            }
        case .fifo, .special, .messageQueue, .usbFunction:
            guard value.hasPrefix("/") else {
                return .failure(ListenFailure(message: "\(kind.rawValue)= path is not absolute, ignoring: \(value)"))
            }
            return .success(.path(value))
        }
    }
}

extension SocketAddressSpec {
    /// AF_UNIX (path or abstract): the only family SOCK_SEQPACKET listeners may use in systemd 252.
    var isUnix: Bool {
        switch self {
        case .unixPath, .abstract: return true
        default: return false
        }
    }
}
