#!/usr/bin/env bash
# hardened.sh: what the privilege and system-call protections cost an
# Accept=yes spawn. One usherd serves two Accept=yes sockets with the same
# handler (bin/hello-glibc): `plain@.service` and `hardened@.service`, the
# latter with eleven protections (NoNewPrivileges=, CapabilityBoundingSet=,
# SystemCallFilter=@system-service, SystemCallArchitectures=,
# RestrictAddressFamilies=, RestrictNamespaces=, RestrictRealtime=,
# RestrictSUIDSGID=, LockPersonality=, MemoryDenyWriteExecute=, ProtectClock=).
# The units and usherd's start and stop are accept.sh's (contenders.sh).
# ROUNDS interleaved loadgen runs each, so machine load hits both alike; prints
# medians, CPU per connection (usherd's from schedstat) and hardened/plain
# ratios (target: within 1.5x). Results in out/.
# ARCHITECTURES= (default native) is the SystemCallArchitectures= value; empty
# leaves the key out, and the filters then cover x86 and x32 calls too.
set -u
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=contenders.sh
source "$BENCH_DIR/contenders.sh"
ROUNDS=${ROUNDS:-5}
COUNT=${COUNT:-2000}
WARMUP=${WARMUP:-200}
CONCURRENCY=${CONCURRENCY:-"1 16"}
ARCHITECTURES=${ARCHITECTURES-native}
LOADGEN=$BENCH_DIR/bin/loadgen
HANDLER=$BENCH_DIR/bin/hello-glibc
OUT=$BENCH_DIR/out/hardened-$(date -u +%Y%m%d-%H%M%S)
PROTECTIONS="NoNewPrivileges=yes
CapabilityBoundingSet=CAP_NET_BIND_SERVICE
SystemCallFilter=@system-service
${ARCHITECTURES:+SystemCallArchitectures=$ARCHITECTURES
}RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
MemoryDenyWriteExecute=yes
ProtectClock=yes"

reason=$(contender_check usherd) || { echo "hardened: $reason" >&2; exit 1; }
[ -x "$LOADGEN" ] && [ -x "$HANDLER" ] || { echo "hardened: run make -C bench first" >&2; exit 1; }
mkdir -p "$OUT"

PLAIN_PORT=$("$LOADGEN" -F 22700)
HARD_PORT=$("$LOADGEN" -F $((PLAIN_PORT + 1)))
write_usherd_units "$PLAIN_PORT" "$HANDLER" "$OUT/units" plain
write_usherd_units "$HARD_PORT" "$HANDLER" "$OUT/units" hardened "$PROTECTIONS"
usherd_start "$OUT/units" "$OUT/run" "$OUT/usherd.log"
SUP_PID=$!
trap 'contender_stop $SUP_PID' EXIT
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

# Per (name, concurrency): medians of connections/s and p50 latency; CPU per
# connection pooled over the rounds (total / connections), usherd's from
# schedstat (ns, all threads), the reaped children's from cutime+cstime (ticks).
awk -f "$BENCH_DIR/stats.awk" -f /dev/stdin "$OUT/raw.txt" <<'EOF' | tee "$OUT/summary.txt"
{ key = field("label") " " field("concurrency"); cps[key] = cps[key] " " field("cps"); p50[key] = p50[key] " " field("p50_us")
  if (field("supervisor_gone") != 1) { ok = field("ok"); conns[key] += ok
    cpu[key] += field("sup_oncpu_us_per_conn") * ok; kid[key] += field("child_cpu_us_per_conn") * ok }
  errs[key] += field("errors"); conc[field("concurrency")] = 1 }
function per_conn(total, k) { return conns[k] > 0 ? total / conns[k] : 0 }
END {
  printf "%-11s %5s %10s %10s %14s %13s %7s\n", "unit", "conc", "conn/s", "p50_us", "usherd_us/conn", "child_us/conn", "errors"
  for (c in conc) {
    for (n = 1; n <= 2; n++) { name = n == 1 ? "plain" : "hardened"; k = name " " c
      printf "%-11s %5s %10.0f %10.1f %14.2f %13.2f %7d\n", name, c, median(cps[k]), median(p50[k]), per_conn(cpu[k], k), per_conn(kid[k], k), errs[k] }
    p = "plain " c; h = "hardened " c
    tp = per_conn(cpu[p], p) + per_conn(kid[p], p); th = per_conn(cpu[h], h) + per_conn(kid[h], h)
    printf "ratio (hardened/plain) at concurrency %s: time per connection %.2fx, p50 latency %.2fx, CPU (usherd + children) per connection %.2fx\n",
      c, median(cps[p]) / median(cps[h]), median(p50[h]) / median(p50[p]), th / (tp > 0 ? tp : 1)
  }
}
EOF
