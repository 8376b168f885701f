// A service's captured output: bytes from its stdout/stderr pipe split into
// lines, each kept in a bounded ring for `usherctl logs`. A line longer than
// the cap is cut into pieces; memory never exceeds lines × cap, however much
// or fast the service writes. Pure.

public struct OutputRing: Sendable, Equatable {
    public let capacity: Int
    public let maxLineLength: Int
    private var lines: [String] = []
    private var head = 0
    private var partial: [UInt8] = []
    /// Lines dropped from the ring because it was full.
    public private(set) var dropped = 0

    public init(capacity: Int = 1000, maxLineLength: Int = 4096) {
        self.capacity = max(1, capacity)
        self.maxLineLength = max(1, maxLineLength)
    }

    /// Feeds bytes; returns the complete lines they finished (to be logged).
    public mutating func append<Bytes: Sequence>(_ bytes: Bytes) -> [String] where Bytes.Element == UInt8 {
        var finished: [String] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                finished.append(takePartial())
            } else {
                partial.append(byte)
                if partial.count >= maxLineLength { finished.append(takePartial()) }
            }
        }
        for line in finished { keep(line) }
        return finished
    }

    /// At EOF: a last line without a newline still counts.
    public mutating func finish() -> String? {
        guard !partial.isEmpty else { return nil }
        let line = takePartial()
        keep(line)
        return line
    }

    /// The kept lines, oldest first.
    public var contents: [String] {
        lines.count < capacity ? lines : Array(lines[head...] + lines[..<head])
    }

    private mutating func takePartial() -> String {
        let line = String(decoding: partial, as: UTF8.self)
        partial.removeAll(keepingCapacity: true)
        return line
    }

    private mutating func keep(_ line: String) {
        if lines.count < capacity {
            lines.append(line)
            return
        }
        lines[head] = line
        head = (head + 1) % capacity
        dropped += 1
    }
}
