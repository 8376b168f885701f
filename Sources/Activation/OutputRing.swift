// A service's captured output: bytes from its stdout/stderr pipe split into
// lines as journald splits a stream (at newline or NUL, and after LineMax=
// bytes without either), each kept raw in a ring bounded by line count and
// by total bytes, escaped only when read. Memory stays bounded however much
// or fast the service writes. Pure.

public struct OutputRing: Sendable, Equatable {
    /// journald.conf LineMax= default: a longer line is split into records of this many bytes.
    public static let lineMax = 48 * 1024

    public let capacity: Int
    public let maxLineLength: Int
    public let byteBudget: Int
    private var lines: [[UInt8]] = []
    /// Index of the oldest kept line in `lines` (the ones before it were evicted).
    private var first = 0
    private var keptBytes = 0
    private var partial: [UInt8] = []
    /// Lines dropped from the ring because it was full.
    public private(set) var dropped = 0

    public init(capacity: Int = 1000, maxLineLength: Int = OutputRing.lineMax, byteBudget: Int = 4 << 20) {
        self.capacity = max(1, capacity)
        self.maxLineLength = max(1, maxLineLength)
        self.byteBudget = max(1, byteBudget)
    }

    /// Feeds bytes; returns the complete lines they finished, raw (to be rate-limited and escaped).
    public mutating func append(_ bytes: [UInt8]) -> [[UInt8]] {
        var finished: [[UInt8]] = []
        var start = 0
        while start < bytes.count {
            let room = maxLineLength - partial.count
            let end = min(bytes.count, start + room)
            if let cut = bytes[start..<end].firstIndex(where: { $0 == 0x0A || $0 == 0 }) {
                partial.append(contentsOf: bytes[start..<cut])
                finished.append(takePartial())
                start = cut + 1
            } else {
                partial.append(contentsOf: bytes[start..<end])
                if partial.count >= maxLineLength { finished.append(takePartial()) }
                start = end
            }
        }
        for line in finished { keep(line) }
        return finished
    }

    /// At EOF: a last line without a newline still counts.
    public mutating func finish() -> [UInt8]? {
        guard !partial.isEmpty else { return nil }
        let line = takePartial()
        keep(line)
        return line
    }

    /// The kept lines, oldest first, escaped for display.
    public var contents: [String] {
        lines[first...].map { LogEscaping.escape(bytes: $0) }
    }

    private mutating func takePartial() -> [UInt8] {
        defer { partial = [] }
        return partial
    }

    private mutating func keep(_ line: [UInt8]) {
        lines.append(line)
        keptBytes += line.count
        while lines.count - first > capacity || (keptBytes > byteBudget && lines.count - first > 1) {
            keptBytes -= lines[first].count
            lines[first] = []
            first += 1
            dropped += 1
        }
        if first > capacity {
            lines.removeFirst(first)
            first = 0
        }
    }
}
