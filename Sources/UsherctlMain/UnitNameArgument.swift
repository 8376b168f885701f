// Unit names as systemctl takes them on its command line: a name without a
// unit-type suffix means the service ("web" is "web.service"), as systemd's
// unit_name_mangle does; a name with a suffix is passed as it is.

enum UnitNameArgument {
    static let unitTypes = ["service", "socket", "target", "device", "mount", "automount", "swap", "timer", "path",
                            "slice", "scope"]

    static func mangled(_ name: String) -> String {
        guard let dot = name.lastIndex(of: ".") else { return name + ".service" }
        return unitTypes.contains(String(name[name.index(after: dot)...])) ? name : name + ".service"
    }

    static func mangled(_ names: [String]) -> [String] { names.map(mangled) }
}
