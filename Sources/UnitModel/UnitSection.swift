// [Unit] and [Install] settings common to every unit type. usherd uses the
// dependency lists only for ordering; [Install] only for `usherctl enable`.

public enum ConditionKind: String, Codable, Sendable, Equatable, Hashable, CaseIterable {
    case pathExists = "PathExists", pathExistsGlob = "PathExistsGlob", pathIsDirectory = "PathIsDirectory"
    case pathIsSymbolicLink = "PathIsSymbolicLink", pathIsMountPoint = "PathIsMountPoint"
    case pathIsReadWrite = "PathIsReadWrite", directoryNotEmpty = "DirectoryNotEmpty"
    case fileNotEmpty = "FileNotEmpty", fileIsExecutable = "FileIsExecutable"
}

/// `ConditionPathExists=!/x` → kind .pathExists, negated, path "/x"; an Assert fails the start instead of skipping.
public struct Condition: Codable, Sendable, Equatable, Hashable {
    public var kind: ConditionKind
    public var isAssert: Bool
    public var negated: Bool
    /// `|` prefix: triggering condition (any one of them suffices).
    public var triggering: Bool
    public var path: String
    public init(kind: ConditionKind, isAssert: Bool, negated: Bool, triggering: Bool, path: String) {
        self.kind = kind
        self.isAssert = isAssert
        self.negated = negated
        self.triggering = triggering
        self.path = path
    }
}

public struct UnitSection: Codable, Sendable, Equatable {
    /// The unit file and its drop-ins as loaded (for status: `Loaded:` and `Drop-In:`).
    public var fragmentPath: String?
    public var dropInPaths: [String] = []
    public var description: String?
    public var documentation: [String] = []
    public var requires: [UnitName] = []
    public var wants: [UnitName] = []
    public var after: [UnitName] = []
    public var before: [UnitName] = []
    public var bindsTo: [UnitName] = []
    public var partOf: [UnitName] = []
    public var conflicts: [UnitName] = []
    public var defaultDependencies = true
    public var conditions: [Condition] = []
    public var wantedBy: [String] = []
    public var requiredBy: [String] = []
    public var alias: [String] = []
    public var also: [String] = []
    public var defaultInstance: String?
    public init() {}
}
