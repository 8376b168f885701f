// Small typed values shared by socket and service units: time spans, command
// lines, identities. Pure data; parsing lives in UnitFile.

/// A time span in microseconds; `nil` stands for `infinity` where allowed.
public struct TimeSpan: Codable, Sendable, Equatable, Hashable, Comparable {
    public var microseconds: UInt64
    public static let infinity = TimeSpan(microseconds: UInt64.max)
    public init(microseconds: UInt64) { self.microseconds = microseconds }
    public static func seconds(_ s: UInt64) -> TimeSpan { TimeSpan(microseconds: s &* 1_000_000) }
    public static func milliseconds(_ ms: UInt64) -> TimeSpan { TimeSpan(microseconds: ms &* 1_000) }
    public var isInfinity: Bool { microseconds == UInt64.max }
    public static func < (a: TimeSpan, b: TimeSpan) -> Bool { a.microseconds < b.microseconds }
}

/// One `ExecStart=`-style command line after parsing.
public struct CommandLine: Codable, Sendable, Equatable, Hashable {
    /// `-`: a failing exit status is ignored.
    public var ignoreFailure: Bool
    /// `@`: the second word is passed as argv[0].
    public var overrideArgv0: Bool
    /// `:`: no environment variable substitution.
    public var noEnvironmentExpansion: Bool
    /// `+`: full privileges (User=/Group= not applied).
    public var fullPrivileges: Bool
    /// `!`: ambient-capability style privilege elevation (treated like `+` for credentials).
    public var elevate: Bool
    /// The program path (first word, or the one after `@`'s argv[0]).
    public var path: String
    /// argv including argv[0]; `$VAR`/`${VAR}` are kept as written and
    /// expanded at spawn time unless `noEnvironmentExpansion`.
    public var arguments: [String]

    public init(path: String, arguments: [String], ignoreFailure: Bool = false, overrideArgv0: Bool = false,
                noEnvironmentExpansion: Bool = false, fullPrivileges: Bool = false, elevate: Bool = false) {
        self.path = path
        self.arguments = arguments
        self.ignoreFailure = ignoreFailure
        self.overrideArgv0 = overrideArgv0
        self.noEnvironmentExpansion = noEnvironmentExpansion
        self.fullPrivileges = fullPrivileges
        self.elevate = elevate
    }
}

/// `EnvironmentFile=` entry; `optional` when written with a leading `-`.
public struct EnvironmentFileSpec: Codable, Sendable, Equatable, Hashable {
    public var path: String
    public var optional: Bool
    public init(path: String, optional: Bool) {
        self.path = path
        self.optional = optional
    }
}

/// A resource limit as `soft:hard`; `nil` means infinity.
public struct ResourceLimit: Codable, Sendable, Equatable, Hashable {
    public var soft: UInt64?
    public var hard: UInt64?
    public init(soft: UInt64?, hard: UInt64?) {
        self.soft = soft
        self.hard = hard
    }
}

/// Identifies a unit: `web.socket`, `foo@.service`, `foo@bar.service`.
public struct UnitName: Codable, Sendable, Equatable, Hashable, CustomStringConvertible, Comparable {
    public enum Kind: String, Sendable, Equatable, Hashable { case socket, service }
    public var full: String
    public init(_ full: String) { self.full = full }
    public var description: String { full }
    public static func < (a: UnitName, b: UnitName) -> Bool { a.full < b.full }

    public var kind: Kind? {
        if full.hasSuffix(".socket") { return .socket }
        if full.hasSuffix(".service") { return .service }
        return nil
    }
    // The scans below look at UTF-8 bytes: "." and "@" are ASCII, so a byte
    // match is a scalar boundary, and they run once per unit and per lookup
    // (a Character scan of the same names cost 2,600 instructions a call).
    /// The name without its `.socket`/`.service` suffix.
    public var stem: String {
        guard let dot = full.utf8.lastIndex(of: UInt8(ascii: ".")) else { return full }
        return String(full[..<dot])
    }
    /// `foo` for `foo@bar.service`, `foo@.service`, and `foo.service`.
    public var prefix: String {
        let s = stem
        guard let at = s.utf8.firstIndex(of: UInt8(ascii: "@")) else { return s }
        return String(s[..<at])
    }
    /// The instance string, or nil when this is not an instance (`""` for a template).
    public var instance: String? {
        let s = stem
        guard let at = s.utf8.firstIndex(of: UInt8(ascii: "@")) else { return nil }
        return String(s[s.utf8.index(after: at)...])
    }
    /// `foo@.service`: the first "@" of the stem is its last byte (no instance string built).
    public var isTemplate: Bool {
        let utf8 = full.utf8
        let end = utf8.lastIndex(of: UInt8(ascii: ".")) ?? utf8.endIndex
        guard let at = utf8[..<end].firstIndex(of: UInt8(ascii: "@")) else { return false }
        return utf8.index(after: at) == end
    }
}
