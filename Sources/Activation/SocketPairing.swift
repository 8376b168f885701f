// Which socket units feed a service, in the order their fds are passed:
// the service's Sockets= list first, in its order, then every other socket
// whose Service= (or default pairing) names the service, by name. Within a
// socket unit the fds follow its Listen*= lines. Pure.
import UnitModel

public enum SocketPairing {
    public static func sockets(feeding service: ServiceUnit, from sockets: [SocketUnit]) -> [SocketUnit] {
        let byName = Dictionary(sockets.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var ordered = service.sockets.compactMap { byName[$0] }.filter { !$0.accept }
        let listed = Set(ordered.map(\.name))
        ordered += sockets.filter { $0.service == service.name && !$0.accept && !listed.contains($0.name) }
            .sorted { $0.name < $1.name }
        return ordered
    }

    /// LISTEN_FDNAMES entries: the socket's FileDescriptorName= (or its full
    /// name) once per listener fd.
    public static func fdNames(_ sockets: [(unit: SocketUnit, fdCount: Int)]) -> [String] {
        sockets.flatMap { Array(repeating: $0.unit.fdName, count: $0.fdCount) }
    }
}
