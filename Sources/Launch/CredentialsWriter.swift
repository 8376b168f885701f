// $CREDENTIALS_DIRECTORY for one service run: RUNTIME/credentials/UNIT, a
// 0500 directory of 0400 files owned by the service's user, one per
// LoadCredential=/SetCredential= id (a directory PATH loads each file in it
// as ID_FILE). A loaded credential wins over a set one; a credential that can
// be neither loaded nor set fails the start, as in systemd.
import FoundationEssentials
import Glibc
import UnitModel
import UsherSys

extension SandboxDirectories {
    /// systemd's CREDENTIAL_SIZE_MAX.
    static let credentialSizeMax = 1024 * 1024

    static func writeCredentials(_ sources: [CredentialSource], unit: String, runtimeDirectory: String,
                                 owner: (uid: UInt32, gid: UInt32)) throws -> String {
        try makeDirectory(runtimeDirectory + "/credentials", mode: 0o755)
        let directory = runtimeDirectory + "/credentials/" + unit
        removeCredentials(directory)
        try makeDirectory(directory, mode: 0o700)
        var written = Set<String>()
        for source in sources {
            guard case .load(let path) = source.origin else { continue }
            guard let loaded = try load(source.id, path: path) else { continue }
            for (id, bytes) in loaded where !written.contains(id) {
                try writeFile(directory + "/" + id, bytes, owner: owner)
                written.insert(id)
            }
            let fallback = sources.contains { if case .set = $0.origin { return $0.id == source.id } else { return false } }
            if loaded.isEmpty, !fallback {
                throw LaunchError(description: "Failed to set up credentials: LoadCredential=\(source.id):\(path) found nothing to load")
            }
        }
        for source in sources {
            guard case .set(let value) = source.origin, !written.contains(source.id) else { continue }
            try writeFile(directory + "/" + source.id, value, owner: owner)
            written.insert(source.id)
        }
        guard chown(directory, owner.uid, owner.gid) == 0, chmod(directory, 0o500) == 0 else {
            throw SystemError(call: "chown", object: directory, errno: errno)
        }
        return directory
    }

    /// The credential(s) at `path`: a file, or every regular file of a directory as ID_NAME.
    /// Relative paths name a credential usherd itself received ($CREDENTIALS_DIRECTORY); one
    /// that is not there is skipped, as systemd does. A missing absolute path yields nothing.
    static func load(_ id: String, path: String) throws -> [(String, [UInt8])]? {
        var full = path
        if !path.hasPrefix("/") {
            guard let own = getenv("CREDENTIALS_DIRECTORY").map({ String(cString: $0) }) else { return nil }
            full = own + "/" + path
            guard FileNodes.exists(full) else { return nil }
        }
        let status: FileStatus
        do { status = try FileNodes.status(full) } catch { return [] }
        if status.kind == .directory {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: full)) ?? []
            return try names.sorted().compactMap { name in
                guard (try? FileNodes.status(full + "/" + name))?.kind == .regular else { return nil }
                return (id + "_" + name, try readCredential(full + "/" + name))
            }
        }
        return [(id, try readCredential(full))]
    }

    static func readCredential(_ path: String) throws -> [UInt8] {
        let bytes = try FileReading.contents(of: path, limit: credentialSizeMax)
        guard bytes.count <= credentialSizeMax else {
            throw LaunchError(description: "Failed to set up credentials: \(path) is larger than 1M")
        }
        return bytes
    }

    /// Written 0400 and owned by the service's user before anyone could open it writable.
    static func writeFile(_ path: String, _ bytes: [UInt8], owner: (uid: UInt32, gid: UInt32)) throws {
        let fd = try OwnedFD.open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o400)
        try BlockingIO.writeAll(fd.raw, bytes, object: path)
        guard fchown(fd.raw, owner.uid, owner.gid) == 0, fchmod(fd.raw, 0o400) == 0 else {
            throw SystemError(call: "fchown", object: path, errno: errno)
        }
    }
}
