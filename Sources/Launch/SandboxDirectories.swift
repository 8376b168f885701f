// The files a sandbox needs on the host: once per usherd, the inaccessible
// nodes and the private /dev staging directory under the runtime directory;
// per service run, the PrivateTmp= directories (systemd's
// /tmp/systemd-private-*) and $CREDENTIALS_DIRECTORY with LoadCredential=/
// SetCredential= written into it. Everything per run is removed at stop.
import FoundationEssentials
import Glibc
import UnitModel
import UsherSys

public enum SandboxDirectories {
    /// Creates `runtime`/sandbox with the inaccessible nodes and the staging directory (root only).
    public static func prepareBase(runtimeDirectory runtime: String) throws -> SandboxPaths {
        let base = runtime + "/sandbox"
        try makeDirectory(base, mode: 0o755)
        let paths = SandboxPaths(inaccessibleDirectory: base + "/inaccessible-dir", inaccessibleFile: base + "/inaccessible-file",
                                 devStaging: base + "/dev")
        try makeDirectory(paths.inaccessibleDirectory, mode: 0)
        try makeDirectory(paths.devStaging, mode: 0o700)
        let fd = open(paths.inaccessibleFile, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0)
        guard fd >= 0 else { throw SystemError(call: "open", object: paths.inaccessibleFile, errno: errno) }
        close(fd)
        _ = chmod(paths.inaccessibleFile, 0)
        _ = chmod(paths.inaccessibleDirectory, 0)
        return paths
    }

    /// The host's /dev nodes a private /dev copies (missing ones are left out).
    public static func deviceNodes() -> [DeviceNode] {
        DeviceNode.privateDeviceNames.compactMap { name in
            var st = stat()
            guard stat("/dev/" + name, &st) == 0, (st.st_mode & S_IFMT) == S_IFCHR else { return nil }
            return DeviceNode(name: name, mode: st.st_mode, device: UInt64(st.st_rdev), uid: st.st_uid, gid: st.st_gid)
        }
    }

    /// This run's directories: PrivateTmp= ones (`privateTmp`) and the unit's credentials directory,
    /// and its network namespace (`privateNetwork`; the caller passes false for both unless usherd
    /// builds namespaces, as root). `owner`: the service's uid and gid (the credentials belong to
    /// it), usherd's own when nil; `base`: the sandbox paths the run adds to (none: `.unplaced`).
    public static func prepareRun(_ service: ServiceUnit, privateTmp: Bool, privateNetwork: Bool, base: SandboxPaths?,
                                  runtimeDirectory: String, owner: SpawnCredentials?) throws -> SandboxPaths {
        var paths = base ?? .unplaced
        let fs = service.exec.filesystem
        let owner = (owner?.uid ?? Users.effectiveUID, owner?.gid ?? Users.effectiveGID)
        do {
            if privateTmp {
                paths.privateTmp = (try Self.privateTmp(in: "/tmp", unit: service.name.full),
                                    try Self.privateTmp(in: "/var/tmp", unit: service.name.full))
            }
            if !fs.credentials.isEmpty {
                paths.credentials = try writeCredentials(fs.credentials, unit: service.name.full,
                                                         runtimeDirectory: runtimeDirectory, owner: owner)
            }
            if privateNetwork {
                let loopbackOnly = MountPlan(unshareFlags: MountPlanner.cloneNewNet, steps: [MountStep(.loopbackUp, "lo")])
                paths.network = try PreparedNamespaces(CMountPlan(loopbackOnly))
            }
        } catch {
            removeRun(paths)
            throw error
        }
        return paths
    }

    /// Removes what prepareRun made (the private tmp trees with their content).
    public static func removeRun(_ paths: SandboxPaths) {
        if let tmp = paths.privateTmp {
            for inner in [tmp.tmp, tmp.varTmp] { try? FileManager.default.removeItem(atPath: inner.deletingLastComponent) }
        }
        if let credentials = paths.credentials { removeCredentials(credentials) }
    }

    /// The directory is 0500: a non-root usherd, which owns it but has no CAP_DAC_OVERRIDE, makes it
    /// writable again before it can unlink the files in it.
    static func removeCredentials(_ directory: String) {
        _ = chmod(directory, 0o700)
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// mkdtemp(`parent`/usher-private-UNIT-XXXXXX) (0700) with a `tmp` (01777) inside, as systemd's.
    static func privateTmp(in parent: String, unit: String) throws -> String {
        var template = Array("\(parent)/usher-private-\(unit)-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }
        guard made != nil else { throw SystemError(call: "mkdtemp", object: parent, errno: errno) }
        let outer = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let inner = outer + "/tmp"
        try makeDirectory(inner, mode: 0o1777)
        return inner
    }

    static func makeDirectory(_ path: String, mode: mode_t) throws {
        if mkdir(path, mode) < 0 && errno != EEXIST { throw SystemError(call: "mkdir", object: path, errno: errno) }
        guard chmod(path, mode) == 0 else { throw SystemError(call: "chmod", object: path, errno: errno) }
    }
}

extension String {
    var deletingLastComponent: String {
        guard let slash = lastIndex(of: "/") else { return self }
        return slash == startIndex ? "/" : String(self[..<slash])
    }
}
