// Reads the host facts behind specifiers (%H %m %b %v %u %U %h %t …) from
// /proc, /etc and the environment with FoundationEssentials only: this module
// imports no Glibc. The system manager is root; a user manager is the calling
// user.

import FoundationEssentials

extension SpecifierContext {
    /// The facts of this machine for a system (`userManager: false`) or user manager.
    public static func current(userManager: Bool) -> SpecifierContext {
        let env = ProcessInfo.processInfo.environment
        let os = osRelease()
        var context = SpecifierContext(
            hostname: firstLine("/proc/sys/kernel/hostname") ?? ProcessInfo.processInfo.hostName,
            machineID: firstLine("/etc/machine-id") ?? "",
            bootID: (firstLine("/proc/sys/kernel/random/boot_id") ?? "").replacing("-", with: ""),
            kernelRelease: firstLine("/proc/sys/kernel/osrelease") ?? "",
            osID: os["ID"] ?? "", osVersionID: os["VERSION_ID"] ?? "", userManager: userManager)
        guard userManager else { return context }
        let uid = statusID("Uid:") ?? 0
        let gid = statusID("Gid:") ?? 0
        let passwd = databaseEntry("/etc/passwd", id: uid)
        context.uid = uid
        context.gid = gid
        context.userName = passwd.flatMap { $0.first } ?? env["USER"] ?? String(uid)
        context.groupName = databaseEntry("/etc/group", id: gid).flatMap { $0.first } ?? String(gid)
        context.home = env["HOME"] ?? passwd.flatMap { $0.count > 5 ? $0[5] : nil } ?? "/"
        context.shell = passwd.flatMap { $0.count > 6 ? $0[6] : nil } ?? "/bin/sh"
        context.runtimeDirectory = env["XDG_RUNTIME_DIR"] ?? "/run/user/\(uid)"
        return SpecifierContext(copying: context)
    }

    /// Recomputes the home-derived directories after the user fields were filled in.
    init(copying c: SpecifierContext) {
        self.init(hostname: c.hostname, machineID: c.machineID, bootID: c.bootID, kernelRelease: c.kernelRelease,
                  architecture: c.architecture, osID: c.osID, osVersionID: c.osVersionID, userName: c.userName,
                  uid: c.uid, groupName: c.groupName, gid: c.gid, home: c.home, shell: c.shell,
                  userManager: c.userManager, runtimeDirectory: c.runtimeDirectory)
    }

    static func firstLine(_ path: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let line = text.split(separator: "\n").first.map(String.init)?.trimmingWhitespace()
        return line?.isEmpty == false ? line : nil
    }

    static func osRelease() -> [String: String] {
        let text = (try? String(contentsOfFile: "/etc/os-release", encoding: .utf8))
            ?? (try? String(contentsOfFile: "/usr/lib/os-release", encoding: .utf8)) ?? ""
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            let quoted = line[line.index(after: eq)...]
            let isQuote: (Character) -> Bool = { $0 == "\"" || $0 == "'" }
            fields[String(line[..<eq])] = String(quoted.drop(while: isQuote).reversed().drop(while: isQuote).reversed())
        }
        return fields
    }

    /// The real id from /proc/self/status (`Uid:` or `Gid:` line, first column).
    static func statusID(_ field: String) -> UInt32? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field) {
            return line.split(whereSeparator: { $0 == "\t" || $0 == " " }).dropFirst().first.flatMap { UInt32($0) }
        }
        return nil
    }

    /// The colon-separated fields of the passwd/group line whose third field is `id`.
    static func databaseEntry(_ path: String, id: UInt32) -> [String]? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            if fields.count > 2, UInt32(fields[2]) == id { return fields }
        }
        return nil
    }
}
