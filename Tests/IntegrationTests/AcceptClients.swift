// Test support for Accept=yes: clients over IPv4, IPv6 and AF_UNIX that know
// their own address (it is part of the instance name), send, half-close and
// read to EOF; probe reports found by label prefix (labels carry %i).
import Foundation
import XCTest
import UsherSys

struct AcceptClient {
    let fd: OwnedFD
    /// The client's port (IP) for matching REMOTE_PORT and the instance name.
    let port: UInt16

    static func connect(_ address: SocketAddress) throws -> AcceptClient {
        let fd = try Socket.open(family: address.family, kind: .stream, object: "client")
        try Socket.connect(fd, to: address)
        let port = (try? Socket.localAddress(fd.raw).port ?? 0) ?? 0
        return AcceptClient(fd: fd, port: port)
    }

    static func ipv4(_ port: UInt16) throws -> AcceptClient {
        guard let address = SocketAddress.ipv4("127.0.0.1", port: port) else { throw HarnessError(description: "address") }
        return try connect(address)
    }

    static func ipv6(_ port: UInt16) throws -> AcceptClient {
        guard let address = SocketAddress.ipv6("::1", port: port) else { throw HarnessError(description: "address") }
        return try connect(address)
    }

    static func unix(_ path: String) throws -> AcceptClient { try connect(try SocketAddress.unixPath(path)) }

    /// Sends `line`, optionally half-closes, and reads until EOF or `timeout` seconds.
    func exchange(_ line: String = "hello\n", halfClose: Bool = false, timeout: Double = 10) throws -> String {
        try BlockingIO.writeAll(fd.raw, Array(line.utf8))
        if halfClose { try Socket.shutdownWrite(fd) }
        return readToEnd(timeout: timeout)
    }

    /// Sends `line` and reads one reply line (or what came before EOF), leaving the connection open.
    func request(_ line: String = "hello\n", timeout: Double = 10) throws -> String {
        try BlockingIO.writeAll(fd.raw, Array(line.utf8))
        return readToEnd(timeout: timeout, stopAtNewline: true)
    }

    func readToEnd(timeout: Double = 10, stopAtNewline: Bool = false) -> String {
        var bytes: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline && !(stopAtNewline && bytes.last == 10) {
            guard BlockingIO.waitReadable(fd.raw, milliseconds: 50) else { continue }
            let chunk = BlockingIO.readSome(fd.raw, milliseconds: 0)
            if chunk.isEmpty { break }
            bytes += chunk
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension UsherdHarness {
    /// Reports whose label starts with `prefix`, keyed by label.
    func reports(labelPrefix prefix: String) -> [String: [String: Any]] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: outDirectory)) ?? []
        var found: [String: [String: Any]] = [:]
        for file in files where file.hasPrefix(prefix) && file.hasSuffix(".json") {
            guard let data = FileManager.default.contents(atPath: outDirectory + "/" + file),
                  let report = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
                  let label = report["label"] as? String else { continue }
            found[label] = report
        }
        return found
    }

    func waitForReports(labelPrefix prefix: String, count: Int, timeout: Double = 10) throws -> [String: [String: Any]] {
        try eventually("\(count) report(s) labelled \(prefix)*", timeout: timeout) {
            self.reports(labelPrefix: prefix).count >= count
        }
        return reports(labelPrefix: prefix)
    }

    /// Open fds of usherd itself, not counting sd-event's timerfd: the loop opens
    /// it at its first timer, which on Accept=yes traffic is the first SIGCHLD
    /// batching window, whenever that comes (a slow warm-up may not open one).
    var usherdFDCount: Int {
        let directory = "/proc/\(pid)/fd"
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return entries.filter { entry in
            (try? FileManager.default.destinationOfSymbolicLink(atPath: directory + "/" + entry)) != "anon_inode:[timerfd]"
        }.count
    }
}

/// The environment of a report minus the entries every service has (LANG, PATH).
func nonBoringEnvironment(_ report: [String: Any]) -> [String] {
    let all = report["environ"] as? [String] ?? []
    return all.filter { !$0.hasPrefix("LANG=") && !$0.hasPrefix("PATH=") }.map { entry in
        for name in ["INVOCATION_ID", "SYSTEMD_EXEC_PID", "LISTEN_PID", "JOURNAL_STREAM"] where entry.hasPrefix(name + "=") {
            return name + "=<varies>"
        }
        return entry
    }
}

func isAlive(_ pid: Int32) -> Bool {
    guard kill(pid, 0) == 0 else { return false }
    guard let stat = try? readSmallFile("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return false }
    return stat[stat.index(close, offsetBy: 2)] != "Z"
}
