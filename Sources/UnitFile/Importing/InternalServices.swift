// xinetd's and inetd's built-in services (RFC 862 echo, 863 discard, 864
// chargen, 867 daytime, 868 time) as small commands found on every Debian
// system: coreutils, and perl from perl-base (Essential). A stream handler
// talks on stdin/stdout (Accept=yes); a datagram handler takes the listening
// socket from fd 3 (Accept=no, LISTEN_FDS=1) and answers each datagram's sender.

struct InternalHandler: Equatable {
    var command: [String]
    /// Extra [Service] lines (discard throws the client's bytes away).
    var serviceLines: [String] = []
    /// Stream handlers use the connection as stdin/stdout; datagram handlers open fd 3.
    var socketOnStandardInput = true
}

enum InternalServices {
    static let perl = "/usr/bin/perl"
    /// Seconds from 1900-01-01 (RFC 868's epoch) to 1970-01-01.
    static let rfc868Offset = "2208988800"
    static let printableCycle = #"my $s = join "", map { chr } 32 .. 126; $s .= $s;"#

    static func perlScript(_ program: String) -> [String] { [perl, "-e", program] }

    static let openListeningSocket = #"open(my $sock, "+<&=", 3) or die "fd 3: $!";"#

    /// Answers every datagram on fd 3 with `reply`, a perl expression that may use `$data`.
    static func datagramReply(_ reply: String, setup: String = "") -> InternalHandler {
        let loop = " while (defined(my $peer = recv($sock, my $data, 65535, 0))) { send($sock, \(reply), 0, $peer) }"
        return InternalHandler(command: perlScript(openListeningSocket + setup + loop), socketOnStandardInput: false)
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
        "echo": datagramReply("$data"),
        "discard": InternalHandler(command: perlScript(openListeningSocket + " 1 while defined(recv($sock, my $data, 65535, 0));"),
                                   socketOnStandardInput: false),
        "daytime": datagramReply("scalar(localtime) . chr(10)"),
        "time": datagramReply("pack(\"N\", time + \(rfc868Offset))"),
        "chargen": datagramReply("substr($s, 0, 72) . chr(13) . chr(10)", setup: " " + printableCycle),
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
