// Socket adoption: listeners usherd inherited from its own manager (LISTEN_FDS)
// are offered to bind(_:keeping:) as if a reload had kept them, when one is a
// socket of the same type bound to the address a Listen line asks for. The
// caller owns the inherited fds and closes the ones no unit took.
import Glibc
import UnitModel
import UsherSys

extension Binder {
    /// The inherited `fds` that can serve a listener of `unit`, each wrapped as
    /// the BoundListener its Listen line would have created (made blocking, as
    /// a service must see it; sd_listen_fds has made them CLOEXEC already).
    public static func adoptable(_ fds: [OwnedFD], for unit: SocketUnit) -> [BoundListener] {
        var result: [BoundListener] = []
        for spec in unit.listens {
            guard let endpoints = try? ListenerFactory.endpoints(for: spec, options: unit.options, unit: unit.name) else {
                continue
            }
            for endpoint in endpoints {
                guard let wanted = endpoint.address,
                      let fd = fds.first(where: { isSocket($0, of: endpoint.kind, boundTo: wanted) }),
                      (try? fd.setNonBlocking(false)) != nil else { continue }
                result.append(BoundListener(spec: endpoint.spec, fd: fd, localDescription: wanted.description,
                                            address: wanted, options: unit.$options, node: node(of: spec)))
            }
        }
        return result
    }

    private static func isSocket(_ fd: OwnedFD, of kind: SocketKind, boundTo address: SocketAddress) -> Bool {
        guard let type = try? SocketOptionName.type.get(fd.raw), let local = try? Socket.localAddress(fd.raw) else {
            return false
        }
        return type == socketType(kind) && local == address
    }

    private static func socketType(_ kind: SocketKind) -> Int32 {
        switch kind {
        case .stream: return Int32(SOCK_STREAM.rawValue)
        case .datagram: return Int32(SOCK_DGRAM.rawValue)
        case .sequentialPacket: return Int32(SOCK_SEQPACKET.rawValue)
        case .raw: return Int32(SOCK_RAW.rawValue)
        }
    }

    /// An AF_UNIX path is the node RemoveOnStop= unlinks, adopted or not.
    private static func node(of spec: ListenSpec) -> ListenerNode? {
        guard case .socket(.unixPath(let path)) = spec.target else { return nil }
        return .path(path)
    }
}
