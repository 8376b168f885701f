// The directory and final component of a path string, as NSString's
// deletingLastPathComponent and lastPathComponent give them, so that this
// module needs only FoundationEssentials. Pure string work; no file access.

extension String {
    /// `/a//b/` → `/a`, `/a` → `/`, `a` → ``, `/` → `/`.
    var deletingLastPathComponent: String {
        let path = tidiedPath
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// `/a/b/` → `b`, `/` → `/`.
    var lastPathComponent: String {
        let path = tidiedPath
        guard let slash = path.lastIndex(of: "/"), path != "/" else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// The path with runs of slashes made one and no trailing slash; `/` stays `/`.
    private var tidiedPath: String {
        var path = ""
        for character in self where !(character == "/" && path.last == "/") { path.append(character) }
        if path.count > 1, path.last == "/" { path.removeLast() }
        return path
    }
}
