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

    init(directories: [String]) {
        let fm = FileManager.default
        for directory in directories {
            guard let entries = try? fm.contentsOfDirectory(atPath: directory) else { continue }
            for entry in entries.sorted() {
                let path = directory.hasSuffix("/") ? directory + entry : directory + "/" + entry
                if entry.hasSuffix(".d") {
                    dropInDirectories[entry, default: []].append(path)
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

    /// Drop-in `.conf` files for `name`, deduplicated by file name (higher priority wins), in file-name order.
    func dropIns(for name: UnitName) -> [String] {
        var dirNames = [name.full + ".d"]
        if let instance = name.instance, !instance.isEmpty {
            dirNames.append(name.prefix + "@." + (name.kind?.rawValue ?? "service") + ".d")
        }
        if let kind = name.kind { dirNames.append(kind.rawValue + ".d") }
        var chosen: [String: String] = [:]
        for dirName in dirNames.reversed() {
            for directory in (dropInDirectories[dirName] ?? []).reversed() {
                for entry in dropInListings[directory] ?? [] {
                    chosen[entry] = directory + "/" + entry
                }
            }
        }
        return chosen.keys.sorted().compactMap { chosen[$0] }
    }
}
