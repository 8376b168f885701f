#!/usr/bin/env bash
# footprint.sh: usherd's idle footprint. Builds usherd in release mode, starts
# it on N generated socket units (loopback TCP; above 100 units every other
# one is AF_UNIX), and prints its idle RSS and the wakeups of all its threads
# over 10 s, min/median/max over a few fresh starts, and the time from start
# to READY=1 (usherd runs under bin/notifywait, which plays its manager).
# The AF_UNIX nodes go in a tmpfs (SOCK_BASE, default /dev/shm), as /run is
# one on a real system. Stops what it starts by PID.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
USHERD=${USHERD:-$ROOT/.build/release/usherd}
COUNTS="10"
RUNS=3
BUILD=1
MAPS=0
SETTLE=2
IDLE_WINDOW=10
RAW=""
TCP_BASE=${TCP_BASE:-20000}
SOCK_BASE=${SOCK_BASE:-/dev/shm}

usage() {
    cat <<USAGE
usage: bench/footprint.sh [--units "10 1000 10000"] [--runs N] [--idle S] [--raw FILE] [--no-build] [--maps]
  --units   unit counts to measure (default 10)
  --runs    fresh starts per count (default 3)
  --idle    seconds over which idle wakeups are counted (default 10)
  --raw     append one key=value line per start to FILE (for bench/report.py)
  --no-build  use \$USHERD (default .build/release/usherd) as it is
  --maps    after the last run of each count, the ten mappings with the most RSS
USAGE
}

while [ $# -gt 0 ]; do
    case $1 in
    --units) COUNTS=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --idle) IDLE_WINDOW=$2; shift 2 ;;
    --raw) RAW=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --maps) MAPS=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
    esac
done

WORK=$(mktemp -d /tmp/usher-footprint.XXXXXX)
SOCK_DIR=$(mktemp -d "$SOCK_BASE/usher-footprint.XXXXXX")
USHERD_PID=""
WAITER_PID=""

stop_usherd() {
    [ -n "$USHERD_PID" ] || return 0
    kill -TERM "$USHERD_PID" 2>/dev/null || true
    local i
    for i in $(seq 1 50); do
        kill -0 "$USHERD_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$USHERD_PID" 2>/dev/null || true
    wait "$USHERD_PID" 2>/dev/null || true
    # notifywait unlinks its socket path when it exits: it must be gone before the
    # next start binds the same path, or the next usherd's READY=1 goes nowhere.
    [ -z "$WAITER_PID" ] || wait "$WAITER_PID" 2>/dev/null || true
    USHERD_PID=""
    WAITER_PID=""
}

cleanup() {
    stop_usherd
    rm -rf "$WORK" "$SOCK_DIR"
}
trap cleanup EXIT

# Writes COUNT socket+service pairs into DIR. Nothing connects, so the
# services never start; they only have to load.
write_units() {
    local count=$1 dir=$2 i listen
    mkdir -p "$dir"
    for ((i = 1; i <= count; i++)); do
        if [ "$count" -gt 100 ] && [ $((i % 2)) -eq 1 ]; then
            listen="$SOCK_DIR/fp$i.sock"
        else
            listen="127.0.0.1:$((TCP_BASE + i))"
        fi
        printf '[Socket]\nListenStream=%s\n' "$listen" >"$dir/fp$i.socket"
        printf '[Service]\nExecStart=/bin/cat\n' >"$dir/fp$i.service"
    done
}

# Sum of voluntary and involuntary context switches over every thread of PID.
switches() {
    cat /proc/"$1"/task/*/status 2>/dev/null |
        awk '/^(voluntary|nonvoluntary)_ctxt_switches:/ { n += $2 } END { print n + 0 }'
}

# One line per thread: tid, name, switches.
thread_switches() {
    local task
    for task in /proc/"$1"/task/*; do
        printf '%s %s %s\n' "${task##*/}" "$(cat "$task/comm")" \
            "$(awk '/_ctxt_switches:/ { n += $2 } END { print n + 0 }' "$task/status")"
    done
}

# The ten mappings of PID with the most resident memory, summed per file.
top_maps() {
    awk '/^[0-9a-f]+-[0-9a-f]+ / { name = ($6 == "" ? "[anon]" : $6) }
         /^Rss:/ { rss[name] += $2 }
         END { for (n in rss) printf "%8d kB  %s\n", rss[n], n }' /proc/"$1"/smaps |
        sort -rn | head -10
}

# Starts usherd on DIR under notifywait and waits (bounded) until it is
# READY; sets USHERD_PID, and READY_LINE to notifywait's
# "pid= ready_ms= cpu_ms= rss_kib=" (CPU time and RSS at READY=1).
start_usherd() {
    local dir=$1 log=$2 i
    rm -rf "$WORK/rt" "$WORK/ready"
    "$BENCH_DIR/bin/notifywait" "$WORK/ready" "$WORK/notify.sock" 60 -- \
        "$USHERD" --unit-dir "$dir" --runtime-dir "$WORK/rt" 2>"$log" &
    WAITER_PID=$!
    for i in $(seq 1 6000); do
        if [ -s "$WORK/ready" ]; then
            READY_LINE=$(cat "$WORK/ready")
            USHERD_PID=$(sed -n 's/^pid=\([0-9]*\).*/\1/p' <<<"$READY_LINE")
            grep -q 'ready_ms=-1' <<<"$READY_LINE" || return 0
            break
        fi
        kill -0 "$WAITER_PID" 2>/dev/null || break
        sleep 0.01
    done
    echo "footprint: usherd did not report READY=1; its log:" >&2
    tail -5 "$log" >&2
    return 1
}

# Prints "min/median/max" of the numbers on stdin.
spread() {
    sort -n | awk '{ v[NR] = $1 } END { printf "%s/%s/%s", v[1], v[int((NR + 1) / 2)], v[NR] }'
}

measure_count() {
    local count=$1 dir="$WORK/units-$1" run before after deltas rss wakes rss_list="" wake_list=""
    write_units "$count" "$dir"
    for ((run = 1; run <= RUNS; run++)); do
        start_usherd "$dir" "$WORK/usherd.log"
        echo "  READY: $READY_LINE"
        sleep "$SETTLE"
        rss=$(awk '/^VmRSS:/ { print $2 }' /proc/"$USHERD_PID"/status)
        rss_list+="$rss "
        before=$(thread_switches "$USHERD_PID")
        sleep "$IDLE_WINDOW"
        after=$(thread_switches "$USHERD_PID")
        deltas=$(thread_deltas "$before" "$after")
        wakes=$(awk '{ s += $3 } END { print s + 0 }' <<<"$deltas")
        wake_list+="$wakes "
        awk '$3 != 0 { printf "  thread %s (%s): %d wakeups\n", $1, $2, $3 }' <<<"$deltas"
        if [ "$MAPS" = 1 ] && [ "$run" = "$RUNS" ]; then top_maps "$USHERD_PID"; fi
        [ -z "$RAW" ] || echo "scenario=scale units=$count run=$run $READY_LINE idle_rss_kib=$rss wakeups=$wakes idle_seconds=$IDLE_WINDOW load=$(cut -d' ' -f1 /proc/loadavg)" |
            sed 's/  */ /g' >>"$RAW"
        stop_usherd
    done
    printf '%6d units  idle RSS %s kB  wakeups/%ss %s  (min/median/max of %d runs)\n' "$count" \
        "$(echo $rss_list | tr ' ' '\n' | spread)" "$IDLE_WINDOW" \
        "$(echo $wake_list | tr ' ' '\n' | spread)" "$RUNS"
}

# From two thread_switches listings, one line per thread: tid, name, switches
# in between (a thread born in between counts all of its own).
thread_deltas() {
    printf '%s\n--\n%s\n' "$1" "$2" |
        awk '$1 == "--" { after = 1; next }
             !after { n[$1] = $3; next }
             { print $1, $2, $3 - n[$1] }'
}

make -s -C "$BENCH_DIR" bin/notifywait
if [ "$BUILD" = 1 ]; then
    (cd "$ROOT" && swift build -c release --product usherd 2>&1 | tail -1)
fi
[ -x "$USHERD" ] || { echo "footprint: no usherd at $USHERD" >&2; exit 1; }
echo "usherd: $USHERD ($(stat -c %s "$USHERD") bytes); $(uname -srm); $(nproc) CPUs; $(date -u '+%Y-%m-%d %H:%M UTC')"
# A binary built with --static-swift-stdlib carries what it uses of them inside.
foundation=$(ldd "$USHERD" | grep -oiE 'lib_?Foundation[A-Za-z]*' | sort -u | tr '\n' ' ' || true)
echo "Foundation libraries linked dynamically: ${foundation:-none}"
for count in $COUNTS; do
    measure_count "$count"
done
