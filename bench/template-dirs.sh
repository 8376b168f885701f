#!/usr/bin/env bash
# template-dirs.sh: per-connection cost of an Accept=yes template whose *Directory= paths live in a
# sandbox (ProtectSystem=strict + StateDirectory=, handler /bin/echo ok), one usherd per binary given,
# ROUNDS interleaved rounds of COUNT sequential connections (loadgen -c 1); prints medians.
# usage: template-dirs.sh LABEL=USHERD... (as root: StateDirectory= is created in /var/lib)
# env: ROUNDS (3) COUNT (400) WARMUP (50). Results in out/template-dirs-<time>/.
set -u
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
LOADGEN=$BENCH_DIR/bin/loadgen
ROUNDS=${ROUNDS:-3}; COUNT=${COUNT:-400}; WARMUP=${WARMUP:-50}
OUT=$BENCH_DIR/out/template-dirs-$(date -u +%Y%m%d-%H%M%S)
[ -x "$LOADGEN" ] || { echo "template-dirs: run make -C bench first" >&2; exit 1; }
[ $# -gt 0 ] || { echo "usage: template-dirs.sh LABEL=USHERD..." >&2; exit 2; }
declare -A PORT PID
base=23700
for spec in "$@"; do
    label=${spec%%=*}; binary=${spec#*=}
    port=$("$LOADGEN" -F $base); base=$((port + 1))
    mkdir -p "$OUT/$label/units" "$OUT/$label/run"
    printf '[Socket]\nListenStream=127.0.0.1:%s\nAccept=yes\nMaxConnections=1024\nTriggerLimitIntervalSec=0\nTriggerLimitBurst=0\n' \
        "$port" >"$OUT/$label/units/t$label.socket"
    printf '[Service]\nStandardInput=socket\nProtectSystem=strict\nStateDirectory=usher-bench-%s\nExecStart=/bin/echo ok\n' \
        "$label" >"$OUT/$label/units/t$label@.service"
    "$binary" --unit-dir "$OUT/$label/units" --runtime-dir "$OUT/$label/run" </dev/null >"$OUT/$label/usherd.log" 2>&1 &
    PID[$label]=$!; PORT[$label]=$port
done
trap 'for p in "${PID[@]}"; do kill $p 2>/dev/null; wait $p 2>/dev/null; done; rm -rf /var/lib/usher-bench-*' EXIT
for label in "${!PORT[@]}"; do
    "$LOADGEN" -P -p "${PORT[$label]}" -t 10 >/dev/null || { echo "template-dirs: $label did not serve" >&2; exit 1; }
done
for round in $(seq 1 "$ROUNDS"); do
    for label in "${!PORT[@]}"; do
        "$LOADGEN" -p "${PORT[$label]}" -c 1 -n "$COUNT" -w "$WARMUP" -t 120 -s "${PID[$label]}" -l "$label" \
            | sed "s/^/round=$round /" >>"$OUT/raw.txt"
    done
done
awk -f "$BENCH_DIR/stats.awk" -f /dev/stdin "$OUT/raw.txt" <<'EOF' | tee "$OUT/summary.txt"
{ k = field("label"); cps[k] = cps[k] " " field("cps"); p50[k] = p50[k] " " field("p50_us")
  cpu[k] = cpu[k] " " field("sup_oncpu_us_per_conn"); kid[k] = kid[k] " " field("child_cpu_us_per_conn"); err[k] += field("errors") }
END { printf "%-10s %10s %10s %16s %14s %7s\n", "usherd", "conn/s", "p50_us", "usherd_cpu_us/c", "child_us/conn", "errors"
      for (k in cps) printf "%-10s %10.0f %10.1f %16.1f %14.1f %7d\n", k, median(cps[k]), median(p50[k]), median(cpu[k]), median(kid[k]), err[k] }
EOF
