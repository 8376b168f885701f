// The client half of the control protocol: where usherd's control socket is
// (--control-socket, $USHER_CONTROL_SOCKET, else the system or user runtime
// directory), connecting, sending one framed request and reading framed
// responses. It prints nothing; callers turn failures into systemctl's exits.

import ArgumentParser
import ControlProtocol
import FoundationEssentials
import Glibc
import UsherSys

/// Options every verb that talks to usherd shares.
struct ControlSocketOptions: ParsableArguments {
    @Option(name: .customLong("control-socket"), help: ArgumentHelp("usherd's control socket.", valueName: "path"))
    var controlSocket: String?

    @Flag(name: .long, help: "Talk to the user instance ($XDG_RUNTIME_DIR/usher/control).")
    var user = false

    /// The socket path: the option, then $USHER_CONTROL_SOCKET, then the default for root or the user.
    func socketPath() -> String { Self.socketPath(explicit: controlSocket, user: user) }

    static func socketPath(explicit: String?, user: Bool,
                           environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit { return explicit }
        if let fromEnvironment = environment["USHER_CONTROL_SOCKET"], !fromEnvironment.isEmpty { return fromEnvironment }
        // The same test usherd makes for its runtime directory (DaemonOptions.defaultRuntimeLocation).
        if !user && geteuid() == 0 { return "/run/usher/" + ControlProtocol.socketName }
        // Without $XDG_RUNTIME_DIR usherd hides in a private temp directory; pam_systemd's place is the best guess.
        let runtime = environment["XDG_RUNTIME_DIR"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? "/run/user/\(geteuid())"
        return runtime + "/usher/" + ControlProtocol.socketName
    }

    func client() -> DaemonClient { DaemonClient(path: socketPath()) }

    /// `--control-socket PATH` and `--user` given before the verb move behind it, where the verb parses them.
    static func hoisted(_ arguments: [String]) -> [String] {
        var leading: [String] = [], moved: [String] = []
        var index = 0
        while index < arguments.count, arguments[index].hasPrefix("-") {
            let argument = arguments[index]
            if argument == "--control-socket", index + 1 < arguments.count {
                moved += [argument, arguments[index + 1]]
                index += 2
                continue
            }
            let daemonOption = argument == "--user" || argument.hasPrefix("--control-socket=")
            if daemonOption { moved.append(argument) } else { leading.append(argument) }
            index += 1
        }
        guard index < arguments.count else { return arguments }
        return leading + [arguments[index]] + moved + Array(arguments[(index + 1)...])
    }
}

/// Why a request got no answer: the socket could not be reached, or the conversation broke.
enum ClientFailure: Error {
    case unreachable(path: String, SystemError)
    case broken(path: String, String)

    var message: String {
        switch self {
        case .unreachable(let path, let error): return "cannot reach usherd at \(path): \(error.reason)"
        case .broken(let path, let reason): return "lost usherd at \(path): \(reason)"
        }
    }
}

struct DaemonClient {
    let path: String

    /// Sends `request` and returns the single response.
    func send(_ request: ControlRequest) throws -> ControlResponse {
        var answer: ControlResponse?
        try stream(request) { response in
            answer = response
            return false
        }
        guard let answer else { throw ClientFailure.broken(path: path, "the connection closed without an answer") }
        return answer
    }

    /// Sends `request` and hands each response to `each` until it returns false or usherd closes.
    func stream(_ request: ControlRequest, _ each: (ControlResponse) throws -> Bool) throws {
        let fd = try connect()
        var unsent: SystemError?
        do {
            try BlockingIO.writeAll(fd.raw, ControlProtocol.frame(request))
        } catch let error as SystemError {
            unsent = error
        }
        // usherd may have answered (too many clients) and closed before reading the request.
        while let body = try readFrame(fd.raw) {
            guard try each(decode(body)) else { return }
        }
        if let unsent { throw ClientFailure.broken(path: path, unsent.reason) }
    }

    private func decode(_ body: [UInt8]) throws -> ControlResponse {
        do {
            return try ControlProtocol.decode(ControlResponse.self, from: body[...])
        } catch {
            throw ClientFailure.broken(path: path, "an answer that is not a ControlProtocol response")
        }
    }

    private func connect() throws -> OwnedFD {
        do {
            let fd = try Socket.open(family: AF_UNIX, kind: .stream, object: path)
            try Socket.connect(fd, to: SocketAddress.unixPath(path))
            return fd
        } catch let error as SystemError {
            throw ClientFailure.unreachable(path: path, error)
        }
    }

    /// One framed message, or nil when usherd closed the connection between messages.
    private func readFrame(_ fd: Int32) throws -> [UInt8]? {
        guard let prefix = try readExactly(fd, 4) else { return nil }
        guard let length = ControlProtocol.announcedLength(prefix[...]), length <= ControlProtocol.maxResponseBytes else {
            throw ClientFailure.broken(path: path, "a response larger than \(ControlProtocol.maxResponseBytes) bytes")
        }
        guard let body = try readExactly(fd, length) else {
            throw ClientFailure.broken(path: path, "the connection closed in the middle of a response")
        }
        return body
    }

    /// `count` bytes, or nil when the peer closes before the first one.
    private func readExactly(_ fd: Int32, _ count: Int) throws -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n: Int
            do {
                n = try sysCall("read", path) { bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + got, count - got) } }
            } catch let error as SystemError {
                throw ClientFailure.broken(path: path, error.reason)
            }
            if n == 0 {
                if got == 0 { return nil }
                throw ClientFailure.broken(path: path, "the connection closed in the middle of a response")
            }
            got += n
        }
        return bytes
    }
}
