// The error every wrapped system call throws: which call, on what object, and
// errno. Its description follows one grammar: "bind 127.0.0.1:80: Address
// already in use". Also the EINTR-retrying call helper every wrapper uses.
import Glibc

public struct SystemError: Error, Equatable, CustomStringConvertible, Sendable {
    public var call: String
    public var object: String?
    public var errno: Int32

    public init(call: String, object: String? = nil, errno: Int32) {
        self.call = call
        self.object = object
        self.errno = errno
    }

    /// strerror text, e.g. "Address already in use".
    public var reason: String { SystemError.describe(errno) }

    public var description: String {
        if let object { return "\(call) \(object): \(reason)" }
        return "\(call): \(reason)"
    }

    public static func describe(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text)
    }
}

/// Runs a raw call that returns -1 and sets errno on failure, retrying EINTR.
/// Never use this for close(2): on Linux the fd is gone even when it fails.
@inline(__always)
public func sysCall<T: BinaryInteger>(_ call: @autoclosure () -> String, _ object: @autoclosure () -> String? = nil,
                                      _ body: () -> T) throws -> T {
    while true {
        let result = body()
        if result != -1 { return result }
        let code = Glibc.errno
        if code == EINTR { continue }
        throw SystemError(call: call(), object: object(), errno: code)
    }
}
