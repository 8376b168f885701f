// An AF_UNIX datagram service in Swift (ListenDatagram=/path, Accept=no):
// takes the bound socket at fd 3 and answers each datagram to its sender's
// address with "swift dgram PID: TEXT" (the client binds an address).
import Glibc

guard let server = Activation.listenFds().first?.fd else {
    fputs("dgram-unix: no socket passed (run me from a .socket unit)\n", stderr)
    exit(1)
}
var buffer = [UInt8](repeating: 0, count: 65536)
while true {
    var sender = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    let got = withUnsafeMutablePointer(to: &sender) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(server, &buffer, buffer.count, 0, $0, &length) }
    }
    guard got >= 0, length > socklen_t(MemoryLayout<sa_family_t>.size) else { continue }
    var text = String(decoding: buffer[0..<got], as: UTF8.self)
    if text.hasSuffix("\n") { text.removeLast() }
    let answer = "swift dgram \(getpid()): \(text)\n"
    _ = withUnsafePointer(to: &sender) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(server, answer, answer.utf8.count, 0, $0, length) }
    }
}
