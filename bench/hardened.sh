#!/usr/bin/env bash
# hardened.sh: what the privilege and system-call protections cost an
# Accept=yes spawn. One usherd serves two Accept=yes sockets with the same
# handler (bin/hello-glibc): `plain@.service` and `hardened@.service`, the
# latter with eleven protections (NoNewPrivileges=, CapabilityBoundingSet=,
# SystemCallFilter=@system-service, SystemCallArchitectures=,
# RestrictAddressFamilies=, RestrictNamespaces=, RestrictRealtime=,
# RestrictSUIDSGID=, LockPersonality=, MemoryDenyWriteExecute=, ProtectClock=).
# ROUNDS interleaved loadgen runs each, so machine load hits both alike; prints
# the medians and hardened/plain ratios (target: within 1.5x). Results in out/.
# ARCHITECTURES= (default native) is the SystemCallArchitectures= value; empty
# leaves the key out, and the filters then cover x86 and x32 calls too.
set -u
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
USHERD=$(realpath -m "${USHERD:-$BENCH_DIR/../.build/release/usherd}")
ROUNDS=${ROUNDS:-5}
COUNT=${COUNT:-2000}
WARMUP=${WARMUP:-200}
CONCURRENCY=${CONCURRENCY:-"1 16"}
ARCHITECTURES=${ARCHITECTURES-native}
LOADGEN=$BENCH_DIR/bin/loadgen
HANDLER=$BENCH_DIR/bin/hello-glibc
OUT=$BENCH_DIR/out/hardened-$(date -u +%Y%m%d-%H%M%S)

[ -x "$USHERD" ] || { echo "hardened: no usherd at $USHERD (swift build -c release, or USHERD=path)" >&2; exit 1; }
[ -x "$LOADGEN" ] && [ -x "$HANDLER" ] || { echo "hardened: run make -C bench first" >&2; exit 1; }
mkdir -p "$OUT/units" "$OUT/run"

PLAIN_PORT=$("$LOADGEN" -F 22700)
HARD_PORT=$("$LOADGEN" -F $((PLAIN_PORT + 1)))
for name in plain hardened; do
    port=$PLAIN_PORT
    [ $name = hardened ] && port=$HARD_PORT
    printf '[Socket]\nListenStream=127.0.0.1:%s\nAccept=yes\nMaxConnections=1024\nTriggerLimitIntervalSec=0\nTriggerLimitBurst=0\n' \
        "$port" >"$OUT/units/$name.socket"
done
printf '[Service]\nStandardInput=socket\nExecStart=%s\n' "$HANDLER" >"$OUT/units/plain@.service"
cat >"$OUT/units/hardened@.service" <<UNIT
[Service]
StandardInput=socket
ExecStart=$HANDLER
NoNewPrivileges=yes
CapabilityBoundingSet=CAP_NET_BIND_SERVICE
SystemCallFilter=@system-service
${ARCHITECTURES:+SystemCallArchitectures=$ARCHITECTURES}
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
MemoryDenyWriteExecute=yes
ProtectClock=yes
UNIT

"$USHERD" --unit-dir "$OUT/units" --runtime-dir "$OUT/run" </dev/null >"$OUT/usherd.log" 2>&1 &
SUP_PID=$!
trap 'kill $SUP_PID 2>/dev/null; wait $SUP_PID 2>/dev/null' EXIT
"$LOADGEN" -P -p "$PLAIN_PORT" -t 10 >/dev/null && "$LOADGEN" -P -p "$HARD_PORT" -t 10 >/dev/null ||
    { echo "hardened: usherd did not serve (see $OUT/usherd.log)" >&2; exit 1; }

for round in $(seq 1 "$ROUNDS"); do
    for concurrency in $CONCURRENCY; do
        for name in plain hardened; do
            port=$PLAIN_PORT
            [ $name = hardened ] && port=$HARD_PORT
            "$LOADGEN" -p "$port" -c "$concurrency" -n "$COUNT" -w "$WARMUP" -t 60 -s "$SUP_PID" \
                -l "$name" -x "hello from hello-glibc" | sed "s/^/round=$round /" >>"$OUT/raw.txt"
        done
    done
done

# Medians per (name, concurrency) of connections/s, p50 latency and usherd CPU per connection.
awk -f "$BENCH_DIR/stats.awk" -f /dev/stdin "$OUT/raw.txt" <<'EOF' | tee "$OUT/summary.txt"
{ key = field("label") " " field("concurrency"); cps[key] = cps[key] " " field("cps"); p50[key] = p50[key] " " field("p50_us")
  cpu[key] = cpu[key] " " field("sup_cpu_us_per_conn"); kid[key] = kid[key] " " field("child_cpu_us_per_conn")
  errs[key] += field("errors"); conc[field("concurrency")] = 1 }
END {
  printf "%-11s %5s %10s %10s %14s %13s %7s\n", "unit", "conc", "conn/s", "p50_us", "usherd_us/conn", "child_us/conn", "errors"
  for (c in conc) {
    for (n = 1; n <= 2; n++) { name = n == 1 ? "plain" : "hardened"; k = name " " c
      printf "%-11s %5s %10.0f %10.1f %14.2f %13.2f %7d\n", name, c, median(cps[k]), median(p50[k]), median(cpu[k]), median(kid[k]), errs[k] }
    p = "plain " c; h = "hardened " c
    tp = median(cpu[p]) + median(kid[p]); th = median(cpu[h]) + median(kid[h])
    printf "ratio (hardened/plain) at concurrency %s: time per connection %.2fx, p50 latency %.2fx, CPU (usherd + children) per connection %.2fx\n",
      c, median(cps[p]) / median(cps[h]), median(p50[h]) / median(p50[p]), th / (tp > 0 ? tp : 1)
  }
}
EOF
