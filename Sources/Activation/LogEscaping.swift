// Makes text safe to print on a terminal: every byte that is not printable
// ASCII or part of a valid, non-control UTF-8 character becomes `\xNN`
// (lowercase hex, as systemd's cescape writes it). Escaped: C0 controls
// including tab, CR and NUL, DEL, C1 controls (U+0080–U+009F, byte by byte)
// and invalid UTF-8. A backslash stays as it is: the goal is a harmless
// line, not a reversible encoding. Pure, standard library only.

public enum LogEscaping {
    /// `text` with its control characters escaped; `text` itself when there are none.
    public static func escape(_ text: String) -> String {
        let utf8 = text.utf8
        guard utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == 0xC2 }) else { return text }
        return escape(bytes: Array(utf8))
    }

    /// Raw bytes (a service's output line) as safe text.
    public static func escape(bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte >= 0x20 && byte < 0x7F {
                out.append(byte)
                index += 1
                continue
            }
            let length = byte < 0x80 ? 0 : validSequenceLength(bytes, at: index)
            if length > 0 && !isC1Control(bytes, at: index) {
                out.append(contentsOf: bytes[index..<index + length])
                index += length
            } else {
                let escaped = max(length, 1)
                for raw in bytes[index..<index + escaped] { appendHexEscape(raw, to: &out) }
                index += escaped
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// U+0080–U+009F are encoded as C2 80 … C2 9F.
    private static func isC1Control(_ bytes: [UInt8], at index: Int) -> Bool {
        bytes[index] == 0xC2 && index + 1 < bytes.count && bytes[index + 1] < 0xA0
    }

    /// The length of the well-formed UTF-8 sequence starting at `index` (Unicode table 3-7), or 0.
    static func validSequenceLength(_ bytes: [UInt8], at index: Int) -> Int {
        let lead = bytes[index]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; secondRange = 0x80...0x9F
        case 0xF0: length = 4; secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondRange = 0x80...0x8F
        default: return 0
        }
        guard index + length <= bytes.count, secondRange.contains(bytes[index + 1]) else { return 0 }
        for offset in 2..<length where !(0x80...0xBF).contains(bytes[index + offset]) { return 0 }
        return length
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    private static func appendHexEscape(_ byte: UInt8, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\\"))
        out.append(UInt8(ascii: "x"))
        out.append(hexDigits[Int(byte >> 4)])
        out.append(hexDigits[Int(byte & 0xF)])
    }
}
