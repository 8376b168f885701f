// One connection's argv and envp for CSpawn: a single malloc'ed block holding
// both NULL-terminated pointer arrays, the variable strings (filled from the
// template's segments) and the child's fd scratch space. Constant entries
// point into the template. Built on the loop, freed by the spawner thread.
import FoundationEssentials
import UsherSys

public struct InstanceStrings {
    public let block: UnsafeMutableRawPointer
    public let argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    public let envp: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    public let scratch: UnsafeMutablePointer<Int32>

    /// Fills argv and envp (`ip`: the environment with REMOTE_*) for `values`.
    public init(_ template: InstanceLaunchTemplate, ip: Bool, values: InstanceValues) {
        let environment = ip ? template.environmentIP : template.environmentLocal
        let pointerCount = template.argv.count + 1 + environment.count + 1
        let textBytes = template.argv.reduce(0) { $0 + Self.size(of: $1, values) }
            + environment.reduce(0) { $0 + Self.size(of: $1, values) }
        let pointerBytes = pointerCount * MemoryLayout<UnsafeMutablePointer<CChar>?>.stride
        let scratchBytes = 4 * MemoryLayout<Int32>.stride
        block = UnsafeMutableRawPointer.allocate(byteCount: pointerBytes + scratchBytes + textBytes, alignment: 16)
        argv = block.bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: pointerCount)
        envp = argv + template.argv.count + 1
        scratch = (block + pointerBytes).bindMemory(to: Int32.self, capacity: 4)
        var text = (block + pointerBytes + scratchBytes).bindMemory(to: CChar.self, capacity: textBytes)
        for (index, piece) in template.argv.enumerated() { argv[index] = Self.fill(piece, values, &text) }
        argv[template.argv.count] = nil
        for (index, piece) in environment.enumerated() { envp[index] = Self.fill(piece, values, &text) }
        envp[environment.count] = nil
    }

    public func free() { block.deallocate() }

    private static func size(of piece: LaunchPiece, _ values: InstanceValues) -> Int {
        guard case .variable(let segments, let room) = piece else { return 0 }
        return segments.reduce(0) { total, segment in
            switch segment {
            case .literal(let bytes): return total + bytes.count
            case .instance: return total + values.instance.utf8.count
            case .remoteAddress: return total + values.remoteAddress.utf8.count
            case .remotePort: return total + values.remotePort.utf8.count
            case .invocationID: return total + values.invocationID.utf8.count
            }
        } + 1 + room
    }

    /// Writes a variable piece at `cursor` (NUL and room zeroed) and advances it.
    private static func fill(_ piece: LaunchPiece, _ values: InstanceValues,
                             _ cursor: inout UnsafeMutablePointer<CChar>) -> UnsafeMutablePointer<CChar> {
        switch piece {
        case .constant(let pointer):
            return pointer
        case .variable(let segments, let room):
            let start = cursor
            for segment in segments {
                switch segment {
                case .literal(let bytes): copy(bytes, &cursor)
                case .instance: copy(values.instance, &cursor)
                case .remoteAddress: copy(values.remoteAddress, &cursor)
                case .remotePort: copy(values.remotePort, &cursor)
                case .invocationID: copy(values.invocationID, &cursor)
                }
            }
            cursor.initialize(repeating: 0, count: 1 + room)
            cursor += 1 + room
            return start
        }
    }

    private static func copy(_ bytes: [UInt8], _ cursor: inout UnsafeMutablePointer<CChar>) {
        bytes.withUnsafeBytes { source in
            guard let base = source.baseAddress else { return }
            UnsafeMutableRawPointer(cursor).copyMemory(from: base, byteCount: source.count)
        }
        cursor += bytes.count
    }

    private static func copy(_ text: String, _ cursor: inout UnsafeMutablePointer<CChar>) {
        for byte in text.utf8 {
            cursor.pointee = CChar(bitPattern: byte)
            cursor += 1
        }
    }
}

/// The one INVOCATION_ID generator, for services and Accept=yes instances alike.
/// Called on the daemon's loop thread only (the pool is not locked).
public enum InvocationIDs {
    private static let pool = RandomPool()

    /// 128 random bits as 32 hex digits, version-4 style like sd_id128_randomize.
    public static func next() -> String {
        var (high, low) = pool.next128()
        high = (high & ~0x0000_0000_0000_F000) | 0x0000_0000_0000_4000
        low = (low & ~0xC000_0000_0000_0000) | 0x8000_0000_0000_0000
        return hex(high) + hex(low)
    }

    private static func hex(_ value: UInt64) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: 16 - text.count) + text
    }
}
