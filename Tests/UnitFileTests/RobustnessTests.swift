// Robustness: 100,000+ random and mutated unit files (seeded PRNG, so a
// failure reproduces) go through the lexer, every row parser, derive and
// verify. Nothing may crash or hang; every diagnostic must name a unit.

import UnitModel
import XCTest
@testable import UnitFile

/// SplitMix64: tiny, fast, deterministic.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

final class RobustnessTests: XCTestCase {
    static let seeds: [String] = [
        "[Socket]\nListenStream=127.0.0.1:8093\nAccept=yes\nMaxConnections=2\nKeepAliveTimeSec=2min 200ms\n",
        "[Unit]\nDescription=%n %i %%\nAfter=a.service\n[Service]\nExecStart=-@/bin/sh sh -c \"echo $A ${B}\" ; /bin/true\n",
        "[Service]\nEnvironment=\"A=1 2\" B=\\x41\\\n  C=3\nLimitNOFILE=1024:4096\nUMask=0077\nStandardOutput=file:/x\n",
        "ListenStream=1\n[Bogus]\nKey=1\n[Socket]\nListenStream=[fe80::1%%lo]:80\nSymlinks=/run/a\nIPTOS=low-delay\n",
        "[Socket]\nListenNetlink=kobject-uevent 1\nListenFIFO=/run/f\nSocketMode=0600\nReceiveBuffer=1.5M\n",
    ]
    static let alphabet: [UInt8] = Array("[]=\\\n \t#;%\"'$@-:+!/.0123456789abcdefxyzSocketListenStreamExec{}".utf8) + [0, 0xC3, 0xFF]

    func testHundredThousandRandomAndMutatedInputsNeverCrashOrHang() {
        var rng = SeededGenerator(state: 0x05EE_D5EE_D)
        let keys = OptionTable.rows.map(\.key)
        let started = Date()
        var parsed = 0
        for round in 0..<100_000 {
            let bytes = round % 3 == 0 ? random(&rng) : (round % 3 == 1 ? mutated(&rng) : keyed(&rng, keys))
            let name = UnitName(round % 2 == 0 ? "fuzz.socket" : "fuzz@inst-\(round % 7).service")
            let result = UnitFileParser.parse(bytes, as: name, specifiers: .fixture)
            XCTAssertFalse(result.diagnostics.contains { $0.unit.isEmpty })
            parsed += 1
        }
        XCTAssertEqual(parsed, 100_000)
        XCTAssertLessThan(Date().timeIntervalSince(started), 60, "parsing must stay fast enough to never look like a hang")
    }

    func random(_ rng: inout SeededGenerator) -> [UInt8] {
        let count = Int.random(in: 0..<160, using: &rng)
        return (0..<count).map { _ in Self.alphabet[Int.random(in: 0..<Self.alphabet.count, using: &rng)] }
    }

    func mutated(_ rng: inout SeededGenerator) -> [UInt8] {
        var bytes = Array(Self.seeds[Int.random(in: 0..<Self.seeds.count, using: &rng)].utf8)
        for _ in 0..<Int.random(in: 1...6, using: &rng) where !bytes.isEmpty {
            let i = Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: bytes[i] = UInt8.random(in: 0...255, using: &rng)
            case 1: bytes.remove(at: i)
            case 2: bytes.insert(Self.alphabet[Int.random(in: 0..<Self.alphabet.count, using: &rng)], at: i)
            default: bytes.insert(contentsOf: bytes[i..<min(bytes.count, i + 8)], at: i)
            }
        }
        return bytes
    }

    /// A real key with a random value, so every row's parser sees junk.
    func keyed(_ rng: inout SeededGenerator, _ keys: [String]) -> [UInt8] {
        let section = ["Unit", "Socket", "Service", "Install"][Int.random(in: 0..<4, using: &rng)]
        let key = keys[Int.random(in: 0..<keys.count, using: &rng)]
        return Array("[\(section)]\n\(key)=".utf8) + random(&rng) + [0x0A]
    }
}
