// An immutable heap copy of a unit-sized value that several owners share by
// reference instead of each holding its own inline copy (a SocketUnit is
// about 144 bytes, a ServiceUnit about 216, plus the @Sparse groups they set):
// the daemon's runtimes and the Binder's BoundSocket point at the same one.

public final class Shared<Value> {
    public let value: Value
    public init(_ value: Value) { self.value = value }
}

extension Shared: Sendable where Value: Sendable {}
