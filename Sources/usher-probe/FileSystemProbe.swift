// `usher-probe fs ACTION ARG … [ACTION ARG …]`: tries things from inside a
// sandboxed service and prints one line per attempt, "ACTION ARG: ok" or
// "ACTION ARG: EROFS" (the errno's name), so tests can check that the
// forbidden thing fails and the allowed thing works. Runs and exits.
import Foundation

enum FileSystemProbe {
    /// Action name → number of arguments.
    static let arity = ["write": 1, "read": 1, "list": 1, "exists": 1, "cat": 1, "mkdir": 1, "chmod-write": 1,
                        "hostname": 0, "sethostname": 1, "interfaces": 0, "netns": 0, "utsns": 0]

    static func run(_ words: [String]) -> Int32 {
        var rest = words[...]
        var report = ""
        defer { emit(report) }
        while let action = rest.first {
            guard let count = arity[action], rest.count > count else {
                report += "usage: usher-probe fs (\(arity.keys.sorted().joined(separator: "|")) [ARG])…\n"
                return 2
            }
            let arguments = Array(rest.dropFirst().prefix(count))
            rest = rest.dropFirst(count + 1)
            let label = ([action] + arguments).joined(separator: " ")
            report += "\(label): \(attempt(action, arguments.first ?? ""))\n"
        }
        return 0
    }

    /// One write for the whole report, so that a socket peer reads it at once.
    static func emit(_ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return }
            bytes = bytes.dropFirst(n)
        }
    }

    static func attempt(_ action: String, _ argument: String) -> String {
        switch action {
        case "write": return writeFile(argument)
        case "chmod-write": return chmod(argument, 0o600) == 0 ? writeFile(argument) : errnoName()
        case "read": return readPath(argument).map { _ in "ok" } ?? errnoName()
        case "cat": return readPath(argument).map { "ok " + $0 } ?? errnoName()
        case "list":
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: argument) else { return readPath(argument) == nil ? errnoName() : "ENOTDIR" }
            return "ok " + names.sorted().joined(separator: " ")
        case "exists":
            var st = stat()
            return stat(argument, &st) == 0 ? "ok" : errnoName()
        case "mkdir": return mkdir(argument, 0o755) == 0 ? "ok" : errnoName()
        case "hostname": return "ok " + ProcessInfo.processInfo.hostName
        case "sethostname": return sethostname(argument, argument.utf8.count) == 0 ? "ok" : errnoName()
        case "interfaces": return "ok " + interfaceNames().joined(separator: " ")
        case "utsns": return (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/uts")).map { "ok " + $0 } ?? errnoName()
        case "netns": return (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/net")).map { "ok " + $0 } ?? errnoName()
        default: return "EINVAL"
        }
    }

    static func writeFile(_ path: String) -> String {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return errnoName() }
        defer { close(fd) }
        return write(fd, "probe\n", 6) == 6 ? "ok" : errnoName()
    }

    /// The file's text (a directory: opened only), or nil with errno set.
    static func readPath(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return nil }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            guard let dir = fdopendir(dup(fd)) else { return nil }
            errno = 0
            let entry = readdir(dir)
            let failed = entry == nil && errno != 0
            closedir(dir)
            return failed ? nil : ""
        }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = read(fd, &buffer, buffer.count)
        return n < 0 ? nil : String(decoding: buffer[..<n], as: UTF8.self).trimmingCharacters(in: .newlines)
    }

    static func interfaceNames() -> [String] {
        guard let list = if_nameindex() else { return [] }
        defer { if_freenameindex(list) }
        var names: [String] = []
        var index = 0
        while list[index].if_index != 0, let name = list[index].if_name {
            names.append(String(cString: name))
            index += 1
        }
        return names
    }

    static func errnoName() -> String {
        let names: [Int32: String] = [EROFS: "EROFS", EACCES: "EACCES", EPERM: "EPERM", ENOENT: "ENOENT",
                                      EEXIST: "EEXIST", ENOTDIR: "ENOTDIR", EISDIR: "EISDIR", EINVAL: "EINVAL"]
        return names[errno] ?? "errno \(errno)"
    }
}
