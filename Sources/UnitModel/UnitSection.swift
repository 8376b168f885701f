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

@dynamicMemberLookup
public struct UnitSection: Codable, Sendable, Equatable {
    /// The unit file and its drop-ins as loaded (for status: `Loaded:` and `Drop-In:`).
    public var fragmentPath: String? {
        get { fragmentFile.map { file in fragmentDirectory.map { $0 + "/" + file } ?? file } }
        set { (fragmentDirectory, fragmentFile) = Self.split(newValue, sharing: []) }
    }
    /// fragmentPath in two parts, so that the units of one directory can share its name.
    private var fragmentDirectory: String?
    private var fragmentFile: String?
    public var dropInPaths: [String] = []
    public var description: String?
    /// Sparse: the settings of Relations, which many units leave at their defaults; read as
    /// the section's own by dynamic member lookup (`unit.requires`, `\UnitSection.after`).
    @Sparse public var relations: Relations
    public init() {}

    /// The decoder userInfo key for the unit directories: a decoded fragmentPath takes its directory
    /// part from them, as setFragmentPath(_:sharing:) does (JSONDecoder.userInfo; none: no sharing).
    public static let unitDirectoriesKey = CodingUserInfoKey(rawValue: "usher.unitDirectories")

    /// Sets fragmentPath, its directory part taken from `directories` when it is one of
    /// them: one string for every unit of a unit directory, not one per unit.
    public mutating func setFragmentPath(_ path: String?, sharing directories: [String]) {
        (fragmentDirectory, fragmentFile) = Self.split(path, sharing: directories)
    }

    /// Split at the last slash (so both setters store one path the same way).
    private static func split(_ path: String?, sharing directories: [String]) -> (String?, String?) {
        guard let path else { return (nil, nil) }
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return (nil, path) }
        let directory = path[..<slash]
        return (directories.first { $0 == directory } ?? String(directory), String(path[path.index(after: slash)...]))
    }

    public subscript<Value>(dynamicMember path: WritableKeyPath<Relations, Value>) -> Value {
        get { relations[keyPath: path] }
        set { relations[keyPath: path] = newValue }
        _modify { yield &relations[keyPath: path] }
    }

    /// Documentation, dependencies, conditions and [Install]: stored out of line.
    public struct Relations: SparseGroup {
        public static let defaults = Relations()
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

    // Codable with every setting at the top level, as before they moved out of line:
    // Relations' own (synthesized) keys stand beside these in the same object.
    enum CodingKeys: String, CodingKey {
        case fragmentPath, dropInPaths, description
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        dropInPaths = try container.decode([String].self, forKey: .dropInPaths)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        relations = try Relations(from: decoder)
        let directories = Self.unitDirectoriesKey.flatMap { decoder.userInfo[$0] as? [String] } ?? []
        setFragmentPath(try container.decodeIfPresent(String.self, forKey: .fragmentPath), sharing: directories)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(fragmentPath, forKey: .fragmentPath)
        try container.encode(dropInPaths, forKey: .dropInPaths)
        try container.encodeIfPresent(description, forKey: .description)
        try relations.encode(to: encoder)
    }
}
