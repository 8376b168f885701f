// The filesystem side of RuntimeDirectory= and its siblings: create a
// service's directory (parents 0755) with its mode whatever the umask, hand
// it and what it holds to the service's owner, DynamicUser='s root-only
// private/ boundary and the symbolic link into it, and remove a whole tree
// without following symbolic links out of it.
import Glibc

public enum ExecDirectoryNodes {
    /// DynamicUser='s boundary (systemd's mkdir_safe_label(…, 0700, 0, 0)): a directory only root
    /// may enter, so that no host user reaches files a recycled dynamic uid owns.
    public static func ensurePrivateRoot(_ path: String) throws {
        let st = try ensureDirectory(path, mode: 0o700)
        if st.st_uid != 0 || st.st_gid != 0 { _ = try sysCall("lchown", path) { lchown(path, 0, 0) } }
    }

    /// A real directory at `path` while `privatePath` does not exist yet moves there: the unit
    /// has just turned DynamicUser= on (systemd migrates it the same way).
    public static func movePublic(_ path: String, to privatePath: String) throws {
        var st = stat()
        guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR, !FileNodes.exists(privatePath) else { return }
        _ = try sysCall("rename", path) { rename(path, privatePath) }
    }

    /// A link at `path` into `privatePath` moves the directory back: the unit has turned DynamicUser=
    /// off again (systemd's reverse migration).
    public static func movePrivateBack(_ path: String, from privatePath: String) throws {
        var st = stat()
        guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFLNK,
              let resolved = realpath(path, nil) else { return }
        defer { free(resolved) }
        guard let own = realpath(privatePath, nil) else { return }
        defer { free(own) }
        guard strcmp(resolved, own) == 0 else { return }
        try FileNodes.unlink(path)
        _ = try sysCall("rename", privatePath) { rename(privatePath, path) }
    }

    /// `link` becomes a symbolic link to `target`, as systemd's symlink_idempotent: kept when it
    /// points there already, replaced when it points elsewhere, refused over anything else.
    public static func link(_ link: String, to target: String) throws {
        var st = stat()
        if lstat(link, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFLNK else { throw SystemError(call: "symlink", object: link, errno: EEXIST) }
            if (try? FileNodes.readLink(link)) == target { return }
            try FileNodes.unlink(link)
        }
        try FileNodes.symlink(target: target, at: link)
    }

    /// Creates `path` (and missing parents, 0755) or keeps the existing
    /// directory, sets `mode`, and when `owner` is given makes it the owner of
    /// the directory and, if the directory was someone else's, of everything in it.
    public static func ensure(_ path: String, mode: UInt32, owner: (uid: UInt32, gid: UInt32)?) throws {
        let st = try ensureDirectory(path, mode: mode)
        guard let owner, st.st_uid != owner.uid || st.st_gid != owner.gid else { return }
        try chownTree(path, uid: owner.uid, gid: owner.gid)
    }

    /// `path` created (parents 0755) or kept when it is a directory already, with `mode`; its lstat.
    private static func ensureDirectory(_ path: String, mode: UInt32) throws -> stat {
        _ = try FileNodes.makeParents(of: path, mode: 0o755)
        if mkdir(path, 0o700) != 0 && errno != EEXIST {
            throw SystemError(call: "mkdir", object: path, errno: errno)
        }
        var st = stat()
        _ = try sysCall("lstat", path) { lstat(path, &st) }
        guard (st.st_mode & S_IFMT) == S_IFDIR else { throw SystemError(call: "mkdir", object: path, errno: ENOTDIR) }
        _ = try sysCall("chmod", path) { chmod(path, mode_t(mode)) }
        return st
    }

    /// lchown of `path` and, for a directory, everything below it.
    static func chownTree(_ path: String, uid: UInt32, gid: UInt32) throws {
        _ = try sysCall("lchown", path) { lchown(path, uid, gid) }
        for entry in try children(of: path) { try chownTree(path + "/" + entry, uid: uid, gid: gid) }
    }

    /// Removes `path` and everything in it; symbolic links are removed, never followed.
    public static func removeTree(_ path: String) throws {
        for entry in try children(of: path) { try removeTree(path + "/" + entry) }
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        let isDirectory = (st.st_mode & S_IFMT) == S_IFDIR
        _ = try sysCall(isDirectory ? "rmdir" : "unlink", path) { isDirectory ? rmdir(path) : unlink(path) }
    }

    /// Names in `path` when it is a real directory (not a link to one); [] otherwise.
    private static func children(of path: String) throws -> [String] {
        var st = stat()
        guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else { return [] }
        guard let directory = opendir(path) else { throw SystemError(call: "opendir", object: path, errno: errno) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
