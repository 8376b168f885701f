// Enablement as systemctl does it, on Usher's unit directories: `enable` turns
// [Install] WantedBy=/RequiredBy= into links in TARGET.wants/ and TARGET.requires/
// of the first (highest-priority) unit directory and Alias= into links beside the
// units, and follows Also=; `disable` removes them; `is-enabled` names the state.
// usherd starts the services linked from a `*.target.wants/` directory at start-up.

import FoundationEssentials
import Glibc
import UnitModel

/// `systemctl is-enabled`'s words for the states Usher's directories can express.
public enum UnitFileState: String, Sendable, Equatable {
    case enabled, disabled, `static`, indirect, alias, masked

    /// systemctl's exit status: 0 for the states in which the unit may be started or pulled in.
    public var exitStatus: Int32 {
        switch self {
        case .enabled, .static, .indirect, .alias: return 0
        case .disabled, .masked: return 1
        }
    }
}

/// One link created or removed, as systemctl reports it.
public struct InstallChange: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable { case symlink, unlink }
    public var kind: Kind
    public var path: String
    /// What the link points at (for `.symlink`).
    public var source: String

    public var description: String {
        switch kind {
        case .symlink: return "Created symlink \(path) → \(source)."
        case .unlink: return "Removed \"\(path)\"."
        }
    }
}

public struct EnablementError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
}

public struct Enablement: Sendable {
    public let loader: UnitLoader

    public init(loader: UnitLoader) { self.loader = loader }

    /// Where links are written: the first unit directory, as systemctl writes to /etc/systemd/system.
    var configDirectory: String? { loader.directories.first }

    /// The services linked from a `TARGET.wants/` or `TARGET.requires/` directory, by name.
    static func enabledServices(_ index: UnitDirectoryIndex) -> [UnitName] {
        let names = index.dependencyLinks.filter { $0.owner.hasSuffix(".target") && $0.unit.kind == .service }
            .map(\.unit).filter { !$0.isTemplate }
        return Array(Set(names)).sorted()
    }

    public func enable(_ names: [UnitName]) throws -> [InstallChange] {
        guard let config = configDirectory else { throw EnablementError(description: "No unit directory.") }
        var changes: [InstallChange] = []
        var seen = Set<UnitName>()
        for name in names { try enable(name, into: config, changes: &changes, seen: &seen) }
        return changes
    }

    public func disable(_ names: [UnitName]) throws -> [InstallChange] {
        guard let config = configDirectory else { throw EnablementError(description: "No unit directory.") }
        var changes: [InstallChange] = []
        var seen = Set<UnitName>()
        for name in names { try disable(name, in: config, changes: &changes, seen: &seen) }
        return changes
    }

    /// The unit's state; nil when no unit file of that name exists.
    public func state(_ name: UnitName) -> UnitFileState? {
        let index = UnitDirectoryIndex(directories: loader.directories, listingDependencyLinks: true)
        guard let located = loader.locate(name, index) else { return nil }
        if located.masked { return .masked }
        if located.canonicalName != name { return .alias }
        if index.dependencyLinks.contains(where: { links($0.unit, to: name) }) { return .enabled }
        guard let install = try? installSection(name, index) else { return .static }
        if hasRules(install.section) { return .disabled }
        return install.section.also.isEmpty ? .static : .indirect
    }

    /// A link named `linked` stands for `name`: the same unit, or an instance of the template `name`.
    private func links(_ linked: UnitName, to name: UnitName) -> Bool {
        linked == name || (name.isTemplate && linked.prefix == name.prefix && linked.kind == name.kind)
    }

    private func hasRules(_ section: UnitSection) -> Bool {
        !section.wantedBy.isEmpty || !section.requiredBy.isEmpty || !section.alias.isEmpty
    }

    /// The [Install] section and file of `name` (a template without an instance takes DefaultInstance=).
    private func installSection(_ name: UnitName, _ index: UnitDirectoryIndex) throws
        -> (section: UnitSection, file: String, name: UnitName) {
        guard let located = loader.locate(name, index) else {
            throw EnablementError(description: "Unit file \(name.full) does not exist.")
        }
        if located.masked { throw EnablementError(description: "Unit file \(located.path) is masked.") }
        if let diagnostic = loader.unloadable(located) { throw EnablementError(description: diagnostic.message) }
        let result = loader.load(located, index)
        guard let section = result.socket?.unit ?? result.service?.unit else {
            let reasons = result.diagnostics.filter { $0.severity == .error }.map(\.text).joined(separator: "; ")
            throw EnablementError(description: "Unit \(name.full) does not load: \(reasons)")
        }
        return (section, located.path, located.canonicalName)
    }
}

extension Enablement {
    private func enable(_ name: UnitName, into config: String, changes: inout [InstallChange],
                        seen: inout Set<UnitName>) throws {
        guard seen.insert(name).inserted else { return }
        let index = UnitDirectoryIndex(directories: loader.directories)
        var install = try installSection(name, index)
        var linkName = install.name
        if linkName.isTemplate {
            guard let instance = install.section.defaultInstance, !install.section.wantedBy.isEmpty
                || !install.section.requiredBy.isEmpty else {
                throw EnablementError(description: "Unit \(name.full) is a template without DefaultInstance=; enable an instance of it.")
            }
            linkName = UnitName(linkName.prefix + "@" + instance + "." + (linkName.kind?.rawValue ?? "service"))
            install.name = linkName
        }
        for target in install.section.wantedBy {
            try link(config + "/" + target + ".wants/" + linkName.full, to: install.file, changes: &changes)
        }
        for target in install.section.requiredBy {
            try link(config + "/" + target + ".requires/" + linkName.full, to: install.file, changes: &changes)
        }
        for alias in install.section.alias where alias != name.full {
            try link(config + "/" + alias, to: install.file, changes: &changes)
        }
        for also in install.section.also { try enable(UnitName(also), into: config, changes: &changes, seen: &seen) }
    }

    /// Creates `path` → `source` (and its directory); an existing link to the same file is left as it is.
    private func link(_ path: String, to source: String, changes: inout [InstallChange]) throws {
        let fm = FileManager.default
        if let existing = try? fm.destinationOfSymbolicLink(atPath: path) {
            if existing == source { return }
            throw EnablementError(description: "File \(path) already exists and is a symlink to \(existing).")
        }
        if fm.fileExists(atPath: path) { throw EnablementError(description: "File \(path) already exists.") }
        let directory = String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
        do {
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try fm.createSymbolicLink(atPath: path, withDestinationPath: source)
        } catch {
            throw EnablementError(description: "Failed to create symlink \(path): \(error)")
        }
        changes.append(InstallChange(kind: .symlink, path: path, source: source))
    }

    private func disable(_ name: UnitName, in config: String, changes: inout [InstallChange],
                         seen: inout Set<UnitName>) throws {
        guard seen.insert(name).inserted else { return }
        let index = UnitDirectoryIndex(directories: [config], listingDependencyLinks: true)
        for link in index.dependencyLinks where links(link.unit, to: name) {
            try unlink(link.path, changes: &changes)
        }
        let whole = UnitDirectoryIndex(directories: loader.directories)
        guard let install = try? installSection(name, whole) else { return }
        for alias in install.section.alias where alias != name.full {
            let path = config + "/" + alias
            if (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) != nil {
                try unlink(path, changes: &changes)
            }
        }
        for also in install.section.also { try disable(UnitName(also), in: config, changes: &changes, seen: &seen) }
    }

    private func unlink(_ path: String, changes: inout [InstallChange]) throws {
        guard Glibc.unlink(path) == 0 else {
            throw EnablementError(description: "Failed to remove \(path): \(String(cString: strerror(errno)))")
        }
        changes.append(InstallChange(kind: .unlink, path: path, source: ""))
    }
}
