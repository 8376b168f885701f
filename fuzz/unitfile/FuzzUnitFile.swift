// libFuzzer entry point for the unit-file language: every input is parsed as
// a socket unit and as a template instance (lexer, all row parsers,
// specifiers, derive, verify). Built by fuzz/unitfile/build.sh with
// -sanitize=fuzzer,address; see fuzz/unitfile/README.md.

import UnitFile
import UnitModel

let fuzzSpecifiers = SpecifierContext(hostname: "fuzz.example.org", machineID: "0123456789abcdef0123456789abcdef")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzUnitFile(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = UnitFileParser.parse(bytes, as: UnitName("fuzz.socket"), specifiers: fuzzSpecifiers)
    _ = UnitFileParser.parse(bytes, as: UnitName("fuzz@in-st.service"), specifiers: fuzzSpecifiers)
    return 0
}
