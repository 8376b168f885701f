// Finding and reading a unit's files: the unit file (or the template of an
// instance), alias symlinks resolved to the real unit name, masks (empty file
// or /dev/null), files that cannot be loaded (symlink loop, dangling symlink,
// directory: an errno, never a mask), and the lexed file plus its drop-ins.

import FoundationEssentials
import UnitModel
import UsherSys

/// Where a unit's main file is and under which name it loads.
struct LocatedUnit {
    var requested: UnitName
    /// The unit's own name after alias resolution (an instance keeps its instance name).
    var canonicalName: UnitName
    var path: String
    var masked: Bool
    /// The unit file cannot be loaded: why (ELOOP, ENOENT, EISDIR, EACCES).
    var loadErrno: Int32?
}

/// Lexed unit file plus drop-ins, ready to be applied (possibly many times for a template).
struct LexedSources: Sendable {
    var sources: [SourceFile] = []
    var files: [LexedFile] = []
    /// The unit file itself is empty: systemd treats that as masked.
    var mainFileEmpty = false
    var lexDiagnostics: [Diagnostic] { files.flatMap(\.diagnostics) }
}

/// Cheap path-suffix labels for diagnostics (`bad.socket`, `bad.socket.d/10-x.conf`).
enum PathLabels {
    /// The last `count` non-empty components, scanned back from the end over the UTF-8
    /// bytes: a Character split cost 14,000 instructions per unit file.
    static func lastComponents(_ path: String, count: Int) -> String {
        var path = path
        return path.withUTF8 { bytes in
            let slash = UInt8(ascii: "/")
            var end = bytes.count
            while end > 0 && bytes[end - 1] == slash { end -= 1 }
            var start = end
            var taken = 0
            while start > 0 && taken < count {
                var i = start
                while i > 0 && bytes[i - 1] == slash { i -= 1 }
                guard i > 0 else { break }
                while i > 0 && bytes[i - 1] != slash { i -= 1 }
                start = i
                taken += 1
            }
            var out: [UInt8] = []
            out.reserveCapacity(end - start)
            for index in start..<end where !(bytes[index] == slash && out.last == slash) { out.append(bytes[index]) }
            return String(decoding: out, as: UTF8.self)
        }
    }
}

extension UnitLoader {
    func locate(_ name: UnitName, _ index: UnitDirectoryIndex) -> LocatedUnit? {
        if let path = index.files[name.full] {
            return resolve(name, path: path, index)
        }
        if let instance = name.instance, !instance.isEmpty {
            let template = UnitName(name.prefix + "@." + (name.kind?.rawValue ?? "service"))
            guard let path = index.files[template.full], var located = resolve(template, path: path, index) else {
                return nil
            }
            located.requested = name
            located.canonicalName = UnitName(located.canonicalName.prefix + "@" + instance + "."
                                             + (name.kind?.rawValue ?? "service"))
            return located
        }
        return nil
    }

    /// Follows a symlink: a mask (/dev/null, empty file) or a file that cannot be loaded
    /// stays under `name`; a link to a differently named unit makes `name` an alias.
    func resolve(_ name: UnitName, path: String, _ index: UnitDirectoryIndex) -> LocatedUnit? {
        var located = LocatedUnit(requested: name, canonicalName: name, path: path, masked: false)
        let (status, isSymlink) = UnitFileStatus.inspect(path)
        switch status {
        case .masked:
            located.masked = true
            return located
        case .unreadable(let errno):
            located.loadErrno = errno
            return located
        case .file:
            break
        }
        guard isSymlink, let destination = UnitFileStatus.linkTarget(path) else { return located }
        var target = UnitName(PathLabels.lastComponents(destination, count: 1))
        if target.isTemplate, let instance = name.instance, !instance.isEmpty, let kind = name.kind {
            // foo@bar.service → foo@.service: an instance of the linked template, not an alias of it.
            target = UnitName(target.prefix + "@" + instance + "." + kind.rawValue)
        }
        if target != name, target.kind == name.kind, UnitNameRules.isValid(target.full) {
            located.canonicalName = target
            if let targetPath = index.files[target.full], targetPath != path {
                located.path = targetPath
                if case .unreadable(let errno) = UnitFileStatus.of(targetPath) { located.loadErrno = errno }
            }
        }
        return located
    }

    func read(_ located: LocatedUnit, _ index: UnitDirectoryIndex) -> LexedSources {
        var lexed = LexedSources()
        let type: UnitType = located.canonicalName.kind == .socket ? .socket : .service
        let unitLabel = located.canonicalName.full
        var paths = [(located.path, PathLabels.lastComponents(located.path, count: 1))]
        for dropIn in index.dropIns(for: located.canonicalName) {
            paths.append((dropIn, PathLabels.lastComponents(dropIn, count: 2)))
        }
        for (fileIndex, (path, label)) in paths.enumerated() {
            let source = SourceFile(unit: unitLabel, path: path, label: label)
            // The whole file in one read, without FileManager's Data; empty when it cannot be read.
            let bytes = (try? FileReading.contents(of: path)) ?? []
            if fileIndex == 0 && bytes.isEmpty { lexed.mainFileEmpty = true }
            lexed.sources.append(source)
            lexed.files.append(UnitFileLexer.lex(bytes, knownSections: type.sections, source: source, fileIndex: fileIndex))
        }
        return lexed
    }

    func load(_ located: LocatedUnit, _ index: UnitDirectoryIndex) -> LoadResult {
        if let diagnostic = unloadable(located) { return LoadResult(masked: located.masked, diagnostics: [diagnostic]) }
        let sources = read(located, index)
        if sources.mainFileEmpty { return LoadResult(masked: true, diagnostics: [maskedDiagnostic(located.requested)]) }
        return UnitBuilder.build(name: located.canonicalName, fragmentPath: located.path, sources: sources,
                                 specifiers: specifiers, sandboxing: sandboxing, searchDirectories: directories)
    }

    /// The error for a masked unit or one whose file cannot be loaded; nil when it can be read.
    func unloadable(_ located: LocatedUnit) -> Diagnostic? {
        if located.masked { return maskedDiagnostic(located.requested) }
        guard let errno = located.loadErrno else { return nil }
        let reason = UnitFileStatus.describe(errno)
        return Diagnostic(severity: .error, unit: located.requested.full, file: located.path,
                          message: "Failed to load configuration for \(located.requested.full): \(reason) (\(located.path))")
    }
}
