// `usher-probe sys --dir D --label L [--hold-ms N] CHECK[=ARG]...`: tries each
// check (a system call the sandbox may refuse, see CProbe) and appends
// "CHECK VALUE" to D/L.sys as it goes (VALUE: the result, or -errno), so a
// check the filter kills the process for leaves the earlier lines behind.
// `status` copies the capability, NoNewPrivs, Seccomp and Uid lines of
// /proc/self/status; `env` the USER, HOME and SHELL variables.
import CProbe
import Foundation

enum SysProbe {
    static func run(_ arguments: [String]) -> Int32 {
        var directory = ".", label = "probe", holdMilliseconds = 0
        var checks: [String] = []
        var iterator = arguments.makeIterator()
        while let word = iterator.next() {
            switch word {
            case "--dir": directory = iterator.next() ?? directory
            case "--label": label = iterator.next() ?? label
            case "--hold-ms": holdMilliseconds = Int(iterator.next() ?? "") ?? 0
            default: checks.append(word)
            }
        }
        let path = "\(directory)/\(label).sys"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return 1 }
        defer { close(fd) }
        for check in checks {
            for line in lines(for: check) { _ = (line + "\n").withCString { write(fd, $0, strlen($0)) } }
        }
        _ = "done 0\n".withCString { write(fd, $0, strlen($0)) }
        if holdMilliseconds > 0 { usleep(UInt32(min(holdMilliseconds, 600_000)) * 1000) }
        return 0
    }

    static func lines(for check: String) -> [String] {
        switch check {
        case "status": return statusLines()
        case "env":
            let environment = ProcessInfo.processInfo.environment
            return ["USER", "HOME", "SHELL"].map { "env.\($0) \(environment[$0] ?? "-")" }
        default:
            let parts = check.split(separator: "=", maxSplits: 1).map(String.init)
            var known: Int32 = 0
            let value = parts.count == 2 ? usher_probe_check(parts[0], parts[1], &known)
                : usher_probe_check(parts[0], nil, &known)
            return [known == 0 ? "\(parts[0]) unknown-check" : "\(parts[0]) \(value)"]
        }
    }

    static func statusLines() -> [String] {
        let wanted = ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp", "Uid", "Gid"]
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: ":", maxSplits: 1)
            guard fields.count == 2, wanted.contains(String(fields[0])) else { return nil }
            let value = fields[1].split(whereSeparator: \.isWhitespace).joined(separator: ",")
            return "status.\(fields[0]) \(value)"
        }
    }
}
