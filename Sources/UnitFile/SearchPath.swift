// The unit search path and a one-pass index of it: every unit file name
// mapped to the first directory that has it (earlier directories win), and
// every `*.d` drop-in directory, so loading 20,000 units lists each folder once.

import FoundationEssentials
import UnitModel

public enum UnitSearchPath {
    /// `/etc/usher/units`, `/run/usher/units`, `/usr/lib/usher/units`; for a user manager the XDG equivalents.
    public static func defaults(userManager: Bool, environment: [String: String] = ProcessInfo.processInfo.environment)
        -> [String] {
        guard userManager else { return ["/etc/usher/units", "/run/usher/units", "/usr/lib/usher/units"] }
        let home = environment["HOME"] ?? FileManager.default.homeDirectoryForCurrentUser.path
        let config = environment["XDG_CONFIG_HOME"] ?? home + "/.config"
        let data = environment["XDG_DATA_HOME"] ?? home + "/.local/share"
        var dirs = [config + "/usher/units"]
        if let runtime = environment["XDG_RUNTIME_DIR"] { dirs.append(runtime + "/usher/units") }
        dirs.append(data + "/usher/units")
        return dirs
    }
}

/// A snapshot of the search path's directory listings.
struct UnitDirectoryIndex {
    /// Unit file name → path in the highest-priority directory holding it.
    var files: [String: String] = [:]
    /// Unit file names in directory order, first occurrence only.
    var orderedNames: [String] = []
    /// `NAME.d` → the drop-in directories of that name, highest priority first.
    var dropInDirectories: [String: [String]] = [:]
    /// Drop-in directory path → its `.conf` entries (listed once, here).
    var dropInListings: [String: [String]] = [:]
    /// Drop-in directory path → the position of its search directory (0 wins).
    var searchRank: [String: Int] = [:]
    /// The entries of every `OWNER.wants/` and `OWNER.requires/` directory (enablement links);
    /// listed only when the index is made with `listingDependencyLinks: true`, else empty.
    var dependencyLinks: [DependencyLink] = []
    /// The unit types with at least one drop-in directory (`*.service.d`, `service.d`): every
    /// name dropIns(for:) could look up ends in its type, so the others need no lookup at all.
    var typesWithDropIns: Set<UnitName.Kind> = []

    init(directories: [String], listingDependencyLinks: Bool = false) {
        let fm = FileManager.default
        for (rank, directory) in directories.enumerated() {
            guard let entries = try? fm.contentsOfDirectory(atPath: directory) else { continue }
            for entry in entries.sorted() {
                let path = directory.hasSuffix("/") ? directory + entry : directory + "/" + entry
                if let owner = DependencyLink.owner(ofDirectory: entry) {
                    guard listingDependencyLinks else { continue }
                    let links = ((try? fm.contentsOfDirectory(atPath: path)) ?? []).sorted()
                    dependencyLinks += links.map { DependencyLink(owner: owner, unit: UnitName($0), path: path + "/" + $0) }
                } else if entry.hasSuffix(".d") {
                    dropInDirectories[entry, default: []].append(path)
                    for kind in [UnitName.Kind.socket, .service] where entry.hasSuffix(kind.rawValue + ".d") {
                        typesWithDropIns.insert(kind)
                    }
                    searchRank[path] = rank
                    dropInListings[path] = ((try? fm.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasSuffix(".conf") }
                } else if entry.hasSuffix(".socket") || entry.hasSuffix(".service"), files[entry] == nil {
                    files[entry] = path
                    orderedNames.append(entry)
                }
            }
        }
    }

    /// Whether `name` (or, for an instance, its template) has a unit file, without reading it.
    func hasUnitFile(_ name: UnitName) -> Bool {
        if files[name.full] != nil { return true }
        guard let instance = name.instance, !instance.isEmpty, let kind = name.kind else { return false }
        return files[name.prefix + "@." + kind.rawValue] != nil
    }

    /// Drop-in `.conf` files for `name` in systemd 252's order: the directories are
    /// taken search directory by search directory (earlier ones win), within one the
    /// most specific name first (`foo-bar@x.service.d`, `foo-bar@.service.d`,
    /// `foo-@x.service.d`, `foo-@.service.d`), then the type-wide `service.d`; a file
    /// name seen once hides the same name further on; the result is in file-name order.
    func dropIns(for name: UnitName) -> [String] {
        guard let kind = name.kind, typesWithDropIns.contains(kind) else { return [] }
        let specific = DropInNames.chain(for: name)
        let typeWide = [kind.rawValue + ".d"]
        var chosen: [String: String] = [:]
        for dirNames in [specific, typeWide] {
            for directory in orderedDirectories(named: dirNames) {
                for entry in dropInListings[directory] ?? [] where chosen[entry] == nil {
                    chosen[entry] = directory + "/" + entry
                }
            }
        }
        return chosen.keys.sorted().compactMap { chosen[$0] }
    }

    /// The existing directories called one of `dirNames`, search directory by search
    /// directory, in `dirNames` order within one.
    private func orderedDirectories(named dirNames: [String]) -> [String] {
        var found: [(rank: Int, position: Int, path: String)] = []
        for (position, dirName) in dirNames.enumerated() {
            for path in dropInDirectories[dirName] ?? [] {
                found.append((searchRank[path] ?? Int.max, position, path))
            }
        }
        return found.sorted { ($0.rank, $0.position) < ($1.rank, $1.position) }.map(\.path)
    }
}

/// One entry of a `.wants/` or `.requires/` directory: `owner` pulls in `unit`.
struct DependencyLink: Equatable {
    var owner: String
    var unit: UnitName
    var path: String

    /// `multi-user.target` for `multi-user.target.wants`; nil for other names.
    static func owner(ofDirectory entry: String) -> String? {
        for suffix in [".wants", ".requires"] where entry.hasSuffix(suffix) && entry.count > suffix.count {
            return String(entry.dropLast(suffix.count))
        }
        return nil
    }
}

/// The unit-specific drop-in directory names systemd 252 looks for, most specific
/// first: the unit's own, its template's, then the same for each dashed prefix
/// (`foo-bar-baz.service` → `foo-bar-.service`, `foo-.service`). Pure.
enum DropInNames {
    static func chain(for name: UnitName) -> [String] {
        var names: [String] = []
        append(name.full, to: &names)
        return names
    }

    private static func append(_ unit: String, to names: inout [String]) {
        let name = UnitName(unit)
        guard let kind = name.kind, !names.contains(unit + ".d") else { return }
        names.append(unit + ".d")
        let instance = name.instance.flatMap { $0.isEmpty ? nil : $0 }
        if instance != nil { append(name.prefix + "@." + kind.rawValue, to: &names) }
        guard let prefix = dashedPrefix(of: name.prefix) else { return }
        let built = instance.map { prefix + "@" + $0 + "." + kind.rawValue } ?? prefix + "." + kind.rawValue
        append(built, to: &names)
    }

    /// `foo-bar-baz` → `foo-bar-`, `foo-bar-` → `foo-`; nil without an inner dash.
    static func dashedPrefix(of prefix: String) -> String? {
        var text = Substring(prefix)
        var chopped = false
        while true {
            guard let dash = text.lastIndex(of: "-"), dash != text.startIndex else { return nil }
            if text.index(after: dash) != text.endIndex || chopped {
                return String(text[...dash])
            }
            text = text[..<dash]
            chopped = true
        }
    }
}
