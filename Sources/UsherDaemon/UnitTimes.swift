// The timestamps `status` and `show` report for a unit, kept as its machine
// changes state (never recomputed): systemd's StateChangeTimestamp,
// ActiveEnter/ActiveExit/InactiveEnterTimestamp, and for a service the start
// and exit of its main process. Wall-clock microseconds.
import Activation

struct UnitTimes: Codable {
    @Stamp var stateChange: UInt64?
    @Stamp var activeEnter: UInt64?
    @Stamp var activeExit: UInt64?
    @Stamp var inactiveEnter: UInt64?
    @Stamp var mainStart: UInt64?
    @Stamp var mainExit: UInt64?

    init() {}

    mutating func record(from old: ActiveState, to new: ActiveState, at now: UInt64) {
        guard old != new else { return }
        stateChange = now
        if new == .active { activeEnter = now }
        if old == .active { activeExit = now }
        if new == .inactive || new == .failed { inactiveEnter = now }
    }

    // Codable as six optional fields (a re-exec state reads the same as before).
    enum CodingKeys: String, CodingKey {
        case stateChange, activeEnter, activeExit, inactiveEnter, mainStart, mainExit
    }

    private static let fields: [(CodingKeys, WritableKeyPath<UnitTimes, UInt64?>)] = [
        (.stateChange, \.stateChange), (.activeEnter, \.activeEnter), (.activeExit, \.activeExit),
        (.inactiveEnter, \.inactiveEnter), (.mainStart, \.mainStart), (.mainExit, \.mainExit),
    ]

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        for (key, path) in Self.fields { self[keyPath: path] = try container.decodeIfPresent(UInt64.self, forKey: key) }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        for (key, path) in Self.fields { try container.encodeIfPresent(self[keyPath: path], forKey: key) }
    }
}

/// A wall-clock time or none, in 8 bytes: 0 stands for none (no wall-clock time is 0),
/// so a runtime's six times take 48 bytes instead of six optionals' 89.
@propertyWrapper
struct Stamp {
    private var raw: UInt64 = 0

    init(wrappedValue: UInt64?) { self.wrappedValue = wrappedValue }

    var wrappedValue: UInt64? {
        get { raw == 0 ? nil : raw }
        set { raw = newValue ?? 0 }
    }
}
