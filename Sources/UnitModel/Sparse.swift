// Sparse settings: a group of unit settings that most units leave at their
// defaults, kept out of line. A unit at the defaults holds no box at all (the
// defaults are one shared value); the first change allocates one box, copied
// on write like an Array. Reads, key paths and Codable see the plain value.

/// A settings group that can be stored `@Sparse`: its defaults are one shared value.
public protocol SparseGroup: Codable, Sendable, Equatable {
    static var defaults: Self { get }
}

@propertyWrapper
public struct Sparse<Value: SparseGroup>: @unchecked Sendable {
    // Mutated only while uniquely referenced (copy on write), so sharing it across threads is safe.
    private final class Box {
        var value: Value
        init(_ value: Value) { self.value = value }
    }
    /// nil: the group is at its defaults.
    private var box: Box?

    /// At the defaults (`@Sparse var exec: ExecContext`): nothing built or compared.
    public init() {}

    public init(wrappedValue: Value) {
        box = wrappedValue == Value.defaults ? nil : Box(wrappedValue)
    }

    public var wrappedValue: Value {
        // Borrowed, not copied: reading one setting does not copy the whole group.
        _read {
            if let box { yield box.value } else { yield Value.defaults }
        }
        set { box = newValue == Value.defaults ? nil : Box(newValue) }
        // In place: the group's own arrays are not copied to be changed. At the defaults the
        // caller changes a local copy, boxed only if it changed (a write of the defaults allocates nothing).
        _modify {
            if var storage = box.take() {
                // Taken out of `box`: `storage` is the only reference unless another unit shares the box.
                if !isKnownUniquelyReferenced(&storage) { storage = Box(storage.value) }
                box = storage
                defer { if storage.value == Value.defaults { box = nil } }
                yield &storage.value
            } else {
                var value = Value.defaults
                defer { if value != Value.defaults { box = Box(value) } }
                yield &value
            }
        }
    }

    /// Whether the group differs from its defaults (has a box of its own): `unit.$exec.isSet`.
    public var isSet: Bool { box != nil }

    public var projectedValue: Sparse<Value> { self }
}

extension Sparse: Equatable {
    public static func == (a: Sparse, b: Sparse) -> Bool {
        a.box === b.box || a.wrappedValue == b.wrappedValue
    }
}

/// Encoded as the value itself: a saved unit reads the same with or without the box.
extension Sparse: Codable {
    public init(from decoder: any Decoder) throws {
        self.init(wrappedValue: try decoder.singleValueContainer().decode(Value.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrappedValue)
    }
}
