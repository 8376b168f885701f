#!/bin/sh
# Builds the libFuzzer target for the unit-file parser into .build/fuzz/fuzz-unitfile.
# UnitModel and UnitFile are compiled with coverage instrumentation (-sanitize=fuzzer)
# and AddressSanitizer, then linked with the entry point in FuzzUnitFile.swift.
set -eu
cd "$(dirname "$0")/../.."
OUT=.build/fuzz
FLAGS="-O -sanitize=fuzzer,address -parse-as-library -wmo"
mkdir -p "$OUT"
swiftc $FLAGS -module-name UnitModel -emit-module -emit-module-path "$OUT/UnitModel.swiftmodule" \
    -c Sources/UnitModel/*.swift -o "$OUT/UnitModel.o"
swiftc $FLAGS -module-name UnitFile -I "$OUT" -emit-module -emit-module-path "$OUT/UnitFile.swiftmodule" \
    -c Sources/UnitFile/*.swift -o "$OUT/UnitFile.o"
swiftc $FLAGS -module-name FuzzUnitFile -I "$OUT" fuzz/unitfile/FuzzUnitFile.swift \
    "$OUT/UnitModel.o" "$OUT/UnitFile.o" -o "$OUT/fuzz-unitfile"
echo "built $OUT/fuzz-unitfile"
