// xinetd's and inetd's built-in services (RFC 862 echo, 863 discard, 864
// chargen, 867 daytime, 868 time) as small commands found on every Debian
// system: coreutils, and perl from perl-base (Essential). A stream handler
// talks on stdin/stdout (Accept=yes); a datagram handler gets the listening
// socket on stdin (Accept=no) and answers each datagram's sender.

struct InternalHandler: Equatable {
    var command: [String]
    /// Extra [Service] lines (discard throws the client's bytes away).
    var serviceLines: [String] = []
}

enum InternalServices {
    static let perl = "/usr/bin/perl"
    /// Seconds from 1900-01-01 (RFC 868's epoch) to 1970-01-01.
    static let rfc868Offset = "2208988800"
    static let printableCycle = #"my $s = join "", map { chr } 32 .. 126; $s .= $s;"#

    static func perlScript(_ program: String) -> [String] { [perl, "-e", program] }

    /// Answers every datagram on stdin with `reply`, a perl expression that may use `$data`.
    static func datagramReply(_ reply: String) -> [String] {
        perlScript("while (defined(my $peer = recv(STDIN, my $data, 65535, 0))) { send(STDIN, \(reply), 0, $peer) }")
    }

    static let stream: [String: InternalHandler] = [
        "echo": InternalHandler(command: ["/bin/cat"]),
        "discard": InternalHandler(command: ["/bin/cat"], serviceLines: ["StandardOutput=null"]),
        "daytime": InternalHandler(command: ["/bin/date"]),
        "time": InternalHandler(command: perlScript("print pack(\"N\", time + \(rfc868Offset))")),
        "chargen": InternalHandler(command: perlScript(printableCycle + " my $i = 0; $| = 1;"
            + " while (print substr($s, $i, 72), chr(13), chr(10)) { $i = $i == 94 ? 0 : $i + 1 }")),
    ]

    static let datagram: [String: InternalHandler] = [
        "echo": InternalHandler(command: datagramReply("$data")),
        "discard": InternalHandler(command: ["/bin/cat"], serviceLines: ["StandardOutput=null"]),
        "daytime": InternalHandler(command: datagramReply("scalar(localtime) . chr(10)")),
        "time": InternalHandler(command: datagramReply("pack(\"N\", time + \(rfc868Offset))")),
        "chargen": InternalHandler(command: perlScript(printableCycle
            + " while (defined(my $peer = recv(STDIN, my $data, 65535, 0))) {"
            + " send(STDIN, substr($s, 0, 72) . chr(13) . chr(10), 0, $peer) }")),
    ]

    /// The handler for an internal service, or nil (xinetd's `servers`/`services` listings, other socket types).
    static func handler(for name: String, socketType: String) -> InternalHandler? {
        switch socketType {
        case "stream": return stream[name]
        case "dgram": return datagram[name]
        default: return nil
        }
    }
}
