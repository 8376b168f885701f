// The Binder's public face: turn a SocketUnit into open, configured listener
// fds all-or-nothing, release them, and decide on reload whether an open fd
// still matches its Listen line. Creation details live in ListenerFactory,
// option order in OptionPlan, AF_UNIX/FIFO nodes in NodePolicy.
import UnitModel
import UsherSys

/// What a listener left in the filesystem, removed on release with RemoveOnStop=yes.
public enum ListenerNode: Sendable, Equatable {
    case path(String)
    case messageQueue(String)
}

/// One open listener fd, as created (or kept) for one `Listen*=` line.
/// A host-name listener (Usher extension) may yield several, all with the same spec.
public struct BoundListener: Sendable {
    public let spec: ListenSpec
    /// CLOEXEC and blocking, as the service must see it (see README "Binder").
    public let fd: OwnedFD
    /// `127.0.0.1:8085`, `::1:8086` (no brackets), `/run/x.sock`, `@abstract`, or the path.
    public let localDescription: String
    /// The bound address as the kernel reports it (the real port after port 0);
    /// nil for FIFO, special file, message queue.
    public let address: SocketAddress?
    /// The address the Listen line asked for (port 0 stays 0); reload compares this.
    public var requestedAddress: SocketAddress? { requestedOtherwise?.value ?? address }
    /// Only when it differs from `address` (port 0): most listeners carry one address, not two.
    private let requestedOtherwise: Shared<SocketAddress>?
    /// The options this fd was created (or last updated) with (sparse: no copy when at the defaults).
    @Sparse public private(set) var options: SocketOptions
    public let node: ListenerNode?

    public init(spec: ListenSpec, fd: OwnedFD, localDescription: String, address: SocketAddress?,
                requestedAddress: SocketAddress? = nil, options: Sparse<SocketOptions>, node: ListenerNode?) {
        self.spec = spec
        self.fd = fd
        self.localDescription = localDescription
        self.address = address
        if let requestedAddress, requestedAddress != address {
            requestedOtherwise = Shared(requestedAddress)
        } else {
            requestedOtherwise = nil
        }
        // The unit's own box (or none), not a fresh copy per listener.
        _options = options
        self.node = node
    }
}

/// Every listener of one socket unit, in Listen line order, plus best-effort warnings.
public struct BoundSocket: Sendable {
    /// The unit, in the box its socket runtime shares (one copy of the unit, not two).
    public let sharedUnit: Shared<SocketUnit>
    public var unit: SocketUnit { sharedUnit.value }
    public let listeners: [BoundListener]
    /// `web.socket: SO_PASSCRED failed: Operation not supported, ignoring`
    public let warnings: [String]
    /// Symlinks= this binding created (removed on release with RemoveOnStop=yes).
    public let symlinks: [String]
}

/// A unit that could not be bound: names the unit, the address and the reason.
public struct BindFailure: Error, CustomStringConvertible, Sendable {
    public let unit: UnitName
    /// The listener as written (`127.0.0.1:80`, `/run/x.sock`).
    public let address: String
    /// The failing call, when a system call failed.
    public let systemError: SystemError?
    public let reason: String

    public init(unit: UnitName, address: String, systemError: SystemError) {
        self.unit = unit
        self.address = address
        self.systemError = systemError
        self.reason = systemError.reason
    }

    public init(unit: UnitName, address: String, reason: String) {
        self.unit = unit
        self.address = address
        self.systemError = nil
        self.reason = reason
    }

    /// `web.socket: Failed to listen on 127.0.0.1:80: Address already in use`
    public var description: String { "\(unit.full): Failed to listen on \(address): \(reason)" }
}

public enum Binder {
    /// Binds every listener of `unit` in Listen line order, all-or-nothing: on failure
    /// everything created by this call is released and nothing leaks. `reusable`
    /// (reload) offers open listeners; one that still matches is kept, not rebound.
    public static func bind(_ unit: SocketUnit, keeping reusable: [BoundListener] = []) -> Result<BoundSocket, BindFailure> {
        bind(Shared(unit), keeping: reusable)
    }

    /// The same; the BoundSocket refers to `shared` instead of a copy of the unit.
    public static func bind(_ shared: Shared<SocketUnit>, keeping reusable: [BoundListener] = [])
        -> Result<BoundSocket, BindFailure> {
        let unit = shared.value
        var context = BindContext(unitName: unit.name)
        var listeners: [BoundListener] = []
        for spec in unit.listens {
            do {
                listeners += try bindOne(spec, unit: unit, reusable: reusable, context: &context)
            } catch let failure as BindFailure {
                releaseCreated(listeners, reusable: reusable, options: unit.options)
                return .failure(failure)
            } catch {
                releaseCreated(listeners, reusable: reusable, options: unit.options)
                return .failure(BindFailure(unit: unit.name, address: spec.text, reason: "\(error)"))
            }
        }
        let symlinks = NodePolicy.createSymlinks(for: unit, listeners: listeners, warnings: &context.warnings)
        return .success(BoundSocket(sharedUnit: shared, listeners: listeners, warnings: context.warnings, symlinks: symlinks))
    }

    private static func bindOne(_ spec: ListenSpec, unit: SocketUnit, reusable: [BoundListener],
                                context: inout BindContext) throws -> [BoundListener] {
        let endpoints = try ListenerFactory.endpoints(for: spec, options: unit.options, unit: unit.name)
        var result: [BoundListener] = []
        do {
            for endpoint in endpoints {
                if let kept = reuse(endpoint, unit: unit, from: reusable, context: &context) {
                    result.append(kept)
                } else {
                    result.append(try ListenerFactory.create(endpoint, unit: unit, context: &context))
                }
            }
        } catch {
            releaseCreated(result, reusable: reusable, options: unit.options)
            throw error
        }
        return result
    }

    /// Closes every listener; with RemoveOnStop=yes also unlinks AF_UNIX/FIFO nodes,
    /// message queues and Symlinks=. Listeners whose fd is shared with `sparing`
    /// (kept across a reload) stay open and in place.
    public static func release(_ bound: BoundSocket, sparing kept: BoundSocket? = nil) {
        let keptFDs = Set((kept?.listeners ?? []).map { ObjectIdentifier($0.fd) })
        for listener in bound.listeners where !keptFDs.contains(ObjectIdentifier(listener.fd)) {
            NodePolicy.release(listener, options: bound.unit.options)
        }
        if bound.unit.options.removeOnStop {
            let keptLinks = Set(kept?.symlinks ?? [])
            for link in bound.symlinks where !keptLinks.contains(link) {
                NodePolicy.removeSymlink(link)
            }
        }
    }

    /// Whether `existing` can serve `spec` with `options` without rebinding: same
    /// listener (kind, family, type, address), the same options that are fixed at
    /// bind time, and no in-place option that would have to be switched back off.
    public static func matches(_ existing: BoundListener, _ spec: ListenSpec, _ options: SocketOptions) -> Bool {
        guard existing.fd.isOpen, existing.spec.kind == spec.kind, existing.spec.target == spec.target else {
            return false
        }
        return OptionPlan.bindTimeOptionsEqual(existing.options, options)
            && OptionPlan.inPlaceOptionsCanMove(from: existing.options, to: options)
    }

    private static func reuse(_ endpoint: Endpoint, unit: SocketUnit, from reusable: [BoundListener],
                              context: inout BindContext) -> BoundListener? {
        guard let old = reusable.first(where: {
            matches($0, endpoint.spec, unit.options) && $0.requestedAddress == endpoint.address
        }) else { return nil }
        OptionPlan.applyInPlace(unit.options, to: old, context: &context)
        return BoundListener(spec: endpoint.spec, fd: old.fd, localDescription: old.localDescription,
                             address: old.address, requestedAddress: old.requestedAddress, options: unit.$options,
                             node: old.node)
    }

    /// Undo for a failed bind: close what this call created, never what it kept.
    private static func releaseCreated(_ listeners: [BoundListener], reusable: [BoundListener], options: SocketOptions) {
        let keptFDs = Set(reusable.map { ObjectIdentifier($0.fd) })
        for listener in listeners where !keptFDs.contains(ObjectIdentifier(listener.fd)) {
            NodePolicy.release(listener, options: options)
        }
    }
}

/// Per-bind scratch state: the unit's name for messages and the warnings so far.
struct BindContext {
    let unitName: UnitName
    var warnings: [String] = []

    /// `web.socket: SO_X failed: reason, ignoring`
    mutating func warn(_ label: String, _ error: Error) {
        let reason = (error as? SystemError)?.reason ?? "\(error)"
        warnings.append("\(unitName.full): \(label) failed: \(reason), ignoring")
    }

    mutating func warn(message: String) {
        warnings.append("\(unitName.full): \(message)")
    }
}
