// Specifier expansion (%n %i %H …, systemd.unit(5) "Specifiers"). The host
// part (hostname, ids, user, runtime dir) is read once into a
// SpecifierContext; the unit part is derived from the unit's name. Unknown
// specifiers fail with "Invalid slot" as systemd does.

import FoundationEssentials
import UnitModel

/// Facts about the host and the manager's user that specifiers expand to.
public struct SpecifierContext: Sendable, Equatable {
    public var hostname: String
    public var machineID: String
    public var bootID: String
    public var kernelRelease: String
    public var architecture: String
    public var osID: String
    public var osVersionID: String
    public var userName: String
    public var uid: UInt32
    public var groupName: String
    public var gid: UInt32
    public var home: String
    public var shell: String
    /// `%t`: /run for the system manager, $XDG_RUNTIME_DIR for a user manager.
    public var runtimeDirectory: String
    public var stateDirectory: String
    public var cacheDirectory: String
    public var logsDirectory: String
    public var configDirectory: String
    public var tempDirectory: String
    public var varTempDirectory: String
    public var userManager: Bool

    public init(hostname: String = "localhost", machineID: String = "", bootID: String = "",
                kernelRelease: String = "", architecture: String = "x86-64", osID: String = "",
                osVersionID: String = "", userName: String = "root", uid: UInt32 = 0, groupName: String = "root",
                gid: UInt32 = 0, home: String = "/root", shell: String = "/bin/sh", userManager: Bool = false,
                runtimeDirectory: String = "/run") {
        self.hostname = hostname
        self.machineID = machineID
        self.bootID = bootID
        self.kernelRelease = kernelRelease
        self.architecture = architecture
        self.osID = osID
        self.osVersionID = osVersionID
        self.userName = userName
        self.uid = uid
        self.groupName = groupName
        self.gid = gid
        self.home = home
        self.shell = shell
        self.userManager = userManager
        self.runtimeDirectory = runtimeDirectory
        self.stateDirectory = userManager ? home + "/.local/state" : "/var/lib"
        self.cacheDirectory = userManager ? home + "/.cache" : "/var/cache"
        self.logsDirectory = userManager ? home + "/.local/state/log" : "/var/log"
        self.configDirectory = userManager ? home + "/.config" : "/etc"
        self.tempDirectory = "/tmp"
        self.varTempDirectory = "/var/tmp"
    }
}

/// Expands specifiers for one unit. Build once per unit; `expand` is cheap.
public struct SpecifierExpander: Sendable {
    public struct InvalidSlot: Error, Equatable {
        public var errnoText: String { "Invalid slot" }
    }

    let host: SpecifierContext
    let unitName: String
    let fragmentPath: String?

    public init(host: SpecifierContext, unitName: UnitName, fragmentPath: String?) {
        self.host = host
        self.unitName = unitName.full
        self.fragmentPath = fragmentPath
    }

    /// What systemd's unit_name_printf allows in unit-name settings (Sockets=, Service=, dependencies).
    static let unitNameSpecifiers: Set<Character> = ["%", "i", "j", "n", "N", "p", "a", "b", "B", "H", "l", "m", "M",
                                                     "o", "v", "w", "W", "g", "G", "u", "U"]

    /// Expands every `%X`; fails on an unknown specifier (or one not allowed in a unit name).
    public func expand(_ text: String, unitNameOnly: Bool = false) -> Result<String, InvalidSlot> {
        guard text.utf8.contains(UInt8(ascii: "%")) else { return .success(text) }
        var out = ""
        var percent = false
        for ch in text {
            if !percent {
                if ch == "%" { percent = true } else { out.append(ch) }
                continue
            }
            percent = false
            if unitNameOnly && !Self.unitNameSpecifiers.contains(ch) { return .failure(InvalidSlot()) }
            guard let value = value(for: ch) else { return .failure(InvalidSlot()) }
            out += value
        }
        if percent { out.append("%") }
        return .success(out)
    }

    func value(for ch: Character) -> String? {
        let name = UnitName(unitName)
        switch ch {
        case "%": return "%"
        case "n": return name.full
        case "N": return name.stem
        case "p": return name.prefix
        case "P": return UnitNameEscaping.unescape(name.prefix)
        case "i": return name.instance ?? ""
        case "I": return UnitNameEscaping.unescape(name.instance ?? "")
        case "j": return finalComponent(name.prefix)
        case "J": return UnitNameEscaping.unescape(finalComponent(name.prefix))
        case "f": return pathFromName(name)
        case "y": return fragmentPath ?? ""
        case "Y": return fragmentPath.map { $0.deletingLastPathComponent } ?? ""
        default: return hostValue(for: ch)
        }
    }

    func hostValue(for ch: Character) -> String? {
        switch ch {
        case "t": return host.runtimeDirectory
        case "S": return host.stateDirectory
        case "C": return host.cacheDirectory
        case "L": return host.logsDirectory
        case "E": return host.configDirectory
        case "T": return host.tempDirectory
        case "V": return host.varTempDirectory
        case "h": return host.home
        case "s": return host.shell
        case "u": return host.userName
        case "U": return String(host.uid)
        case "g": return host.groupName
        case "G": return String(host.gid)
        case "H": return host.hostname
        case "l": return String(host.hostname.prefix(while: { $0 != "." }))
        case "m": return host.machineID
        case "b": return host.bootID
        case "v": return host.kernelRelease
        case "a": return host.architecture
        case "o": return host.osID
        case "w": return host.osVersionID
        default: return nil
        }
    }

    /// `%f`: the unescaped instance (or prefix) as an absolute path.
    func pathFromName(_ name: UnitName) -> String {
        let instance = name.instance ?? ""
        let unescaped = UnitNameEscaping.unescape(instance.isEmpty ? name.prefix : instance)
        return "/" + unescaped.drop(while: { $0 == "/" })
    }

    /// `%j`: the part of the prefix after its last dash.
    func finalComponent(_ prefix: String) -> String {
        guard let dash = prefix.lastIndex(of: "-") else { return prefix }
        return String(prefix[prefix.index(after: dash)...])
    }
}

/// systemd's unit-name escaping: `-` stands for `/`, `\xNN` for a byte.
public enum UnitNameEscaping {
    public static func unescape(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "-") {
                out.append(UInt8(ascii: "/"))
                i += 1
            } else if bytes[i] == UInt8(ascii: "\\"), i + 3 < bytes.count, bytes[i + 1] == UInt8(ascii: "x"),
                      let v = WordSplitter.hexValue(bytes, i + 2, digits: 2) {
                out.append(UInt8(v))
                i += 4
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
