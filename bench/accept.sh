#!/usr/bin/env bash
# accept.sh: the Accept=yes benchmark. Every contender × handler × concurrency
# cell, ROUNDS times interleaved (load drift hits all alike), each on a fresh
# supervisor and 127.0.0.1 port; raw lines, logs and a markdown table with
# ratios to refloop of the same run go to out/. --long: the 100,000-connection RSS check.
set -u
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=contenders.sh
source "$BENCH_DIR/contenders.sh"

MODE=short
[ "${1:-}" = --long ] && MODE=long
if [ $MODE = long ]; then
    CONTENDERS=${CONTENDERS:-"refloop usherd"}
    HANDLERS=${HANDLERS:-raw}
    CONCURRENCY=${CONCURRENCY:-16}
    COUNT=${COUNT:-100000}
    WARMUP=${WARMUP:-1000}
    ROUNDS=${ROUNDS:-1}
    MAX_SECONDS=${MAX_SECONDS:-240}
else
    CONTENDERS=${CONTENDERS:-"refloop refloop-fork refloop-thread refloop-pool tcpserver xinetd socket-activate usherd"}
    HANDLERS=${HANDLERS:-"raw glibc"}
    CONCURRENCY=${CONCURRENCY:-"1 16"}
    COUNT=${COUNT:-2500}
    WARMUP=${WARMUP:-300}
    ROUNDS=${ROUNDS:-5}
    MAX_SECONDS=${MAX_SECONDS:-60}
fi
PORT_BASE=${PORT_BASE:-21700}
PROBE_SECONDS=${PROBE_SECONDS:-5}
# Before each cell, wait up to QUIET_WAIT s for a 0.2 s window in which the
# machine's CPUs are at most QUIET_BUSY % busy (other work shares this machine).
QUIET_BUSY=${QUIET_BUSY:-25}
QUIET_WAIT=${QUIET_WAIT:-3}
QUIET_BUDGET=${QUIET_BUDGET:-60} # seconds of such waiting in the whole run, at most
QUIET_BUDGET_TOTAL=$QUIET_BUDGET
LOADGEN=$BENCH_DIR/bin/loadgen
OUT=${ACCEPT_OUT:-$BENCH_DIR/out/accept-$MODE-$(date -u +%Y%m%d-%H%M%S)}
RAW=$OUT/raw.txt
SKIPPED=$OUT/skipped.txt
declare -A SKIP_REASON=() SERVED=()
PORT=0
SUP_PID=0
FAILURE=""
NEXT_PORT=$PORT_BASE

handler_path() {
    echo "$BENCH_DIR/bin/hello-$1"
}

skip() {
    SKIP_REASON[$1]=$2
    printf '%s\t%s\n' "$1" "$2" >>"$SKIPPED"
    echo "accept: $1 skipped: $2" >&2
}

# The line of a supervisor's log that best explains why it did not serve:
# its first warning or error, else its last line.
telling_log_line() {
    { grep -m 1 -i -E 'warn|error|fatal|not supported|unknown' "$1" || tail -n 1 "$1"; } 2>/dev/null |
        tr -d '\r' | cut -c1-200
}

# Percent of all CPUs busy over 0.2 s, from /proc/stat (idle + iowait = not busy).
cpu_busy_percent() {
    local _ user nice system idle iowait irq softirq steal total1 idle1
    read -r _ user nice system idle iowait irq softirq steal _ </proc/stat
    total1=$((user + nice + system + idle + iowait + irq + softirq + steal))
    idle1=$((idle + iowait))
    sleep 0.2
    read -r _ user nice system idle iowait irq softirq steal _ </proc/stat
    total1=$((user + nice + system + idle + iowait + irq + softirq + steal - total1))
    idle1=$((idle + iowait - idle1))
    echo $(((total1 - idle1) * 100 / (total1 > 0 ? total1 : 1)))
}

# wait_for_quiet MAX_SECONDS: prints the busy percentage it ended on.
wait_for_quiet() {
    local deadline=$((SECONDS + $1)) busy
    busy=$(cpu_busy_percent)
    while [ "$busy" -gt "$QUIET_BUSY" ] && [ $SECONDS -lt $deadline ]; do
        busy=$(cpu_busy_percent)
    done
    echo "$busy"
}

# start_serving CONTENDER HANDLER LOG WORK: starts the contender on a free
# port and waits until it answers, itself (not another program on the port).
# Another tenant may bind the port between our check and the contender's bind:
# then it retries on the next port, 3 tries in all. Sets PORT and SUP_PID, or
# FAILURE when it fails.
start_serving() {
    local contender=$1 handler=$2 log=$3 work=$4 attempt
    for attempt in 1 2 3; do
        PORT=$("$LOADGEN" -F "$NEXT_PORT") || { FAILURE="no free loopback port"; return 1; }
        NEXT_PORT=$((PORT + 1))
        : >"$log"
        contender_start "$contender" "$PORT" "$(handler_path "$handler")" "$log" "$work" ||
            { FAILURE="could not write its configuration in $work"; return 1; }
        "$LOADGEN" -P -p "$PORT" -t "$PROBE_SECONDS" -s "$SUP_PID" -x hello 2>/dev/null && return 0
        if process_exited "$SUP_PID"; then
            wait "$SUP_PID"
            FAILURE="exited with status $? without serving 127.0.0.1:$PORT; its log: '$(telling_log_line "$log")'"
        else
            contender_stop "$SUP_PID"
            FAILURE="no answer on 127.0.0.1:$PORT within ${PROBE_SECONDS}s; its log: '$(telling_log_line "$log")'"
        fi
        grep -qi 'address already in use' "$log" || return 1
        echo "accept: $contender: 127.0.0.1:$PORT was taken by another program (try $attempt of 3)" >&2
    done
    return 1
}

# run_cell CONTENDER HANDLER CONCURRENCY ROUND: one measured run, one raw line.
# A contender that never served is skipped for the run; a later failure loses
# only that cell (the table's medians use the rounds that ran).
run_cell() {
    local contender=$1 handler=$2 concurrency=$3 round=$4 line busy waited_from
    local tag=$contender-$handler-c$concurrency-r$round
    local work=$OUT/work/$tag log=$OUT/logs/$tag.log
    mkdir -p "$work"
    waited_from=$SECONDS
    busy=$(wait_for_quiet $((QUIET_BUDGET < QUIET_WAIT ? QUIET_BUDGET : QUIET_WAIT)))
    QUIET_BUDGET=$((QUIET_BUDGET - (SECONDS - waited_from)))
    if ! start_serving "$contender" "$handler" "$log" "$work"; then
        if [ -n "${SERVED[$contender]:-}" ]; then
            echo "accept: $tag: cell lost: $FAILURE" >&2
        else
            skip "$contender" "$FAILURE"
        fi
        return
    fi
    SERVED[$contender]=1
    line=$("$LOADGEN" -p "$PORT" -c "$concurrency" -n "$COUNT" -w "$WARMUP" -t "$MAX_SECONDS" \
        -s "$SUP_PID" -l "$tag" -x hello)
    contender_stop "$SUP_PID"
    [ -n "$line" ] || { echo "accept: $tag: loadgen reported nothing" >&2; return; }
    echo "contender=$contender handler=$handler round=$round port=$PORT busy_before=$busy $line" >>"$RAW"
    echo "accept: $tag: $(echo "$line" | grep -o 'cps=[^ ]*\|p99_us=[^ ]*\|errors=[^ ]*\|zombies=[^ ]*' | tr '\n' ' ')" >&2
}

write_header() {
    echo "# Accept=yes benchmark ($MODE), $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "- machine: $(nproc) cores, kernel $(uname -r), load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- per cell: $WARMUP warm-up + $COUNT measured connections, $ROUNDS round(s) interleaved, bound ${MAX_SECONDS}s;"
    echo "  each cell first waited up to ${QUIET_WAIT}s (${QUIET_BUDGET_TOTAL}s in all) for the CPUs to be at most ${QUIET_BUSY}% busy"
    echo "- peers: xinetd $(dpkg-query -W -f='${Version}' xinetd 2>/dev/null), ucspi-tcp $(dpkg-query -W -f='${Version}' ucspi-tcp 2>/dev/null), systemd $(dpkg-query -W -f='${Version}' systemd 2>/dev/null); usherd: $USHERD"
    echo
}

write_notes() {
    [ $MODE = long ] && return
    cat <<'NOTES'

Columns: conn/s, p50 and p99 are medians over the rounds; × refloop compares
with refloop's cell in this same run. "sup CPU" is the supervisor's own on-CPU
time (schedstat, summed over its threads) per connection, pooled over rounds;
"(stat)" is the same from utime+stime in /proc/PID/stat (10 ms ticks).
"children CPU" is cutime+cstime: the handlers it reaped. For the fork-based
peers (refloop-fork, tcpserver, xinetd, systemd-socket-activate) the work
their child does between fork and exec (fd shuffling, environment, xinetd's
per-service setup) lands on the child, not in "sup CPU"; posix_spawn's child
likewise, but the parent waits (off-CPU) until it has exec'd. Total cost per
connection is sup + children. RSS "before" is sampled after the warm-up.
"CPUs busy %" is the whole machine during the measured phase (everyone's
work, other tenants included): under 100 means idle CPU was left.
NOTES
}

main() {
    local round contender handler concurrency reason
    mkdir -p "$OUT/logs" "$OUT/work"
    : >"$RAW"
    : >"$SKIPPED"
    for contender in $CONTENDERS; do
        reason=$(contender_check "$contender") || skip "$contender" "$reason"
    done
    for round in $(seq 1 "$ROUNDS"); do
        for contender in $CONTENDERS; do
            for handler in $HANDLERS; do
                for concurrency in $CONCURRENCY; do
                    [ -n "${SKIP_REASON[$contender]:-}" ] && continue
                    run_cell "$contender" "$handler" "$concurrency" "$round"
                done
            done
        done
    done
    {
        write_header
        awk -v mode="$MODE" -v order="$CONTENDERS" -v handlers="$HANDLERS" -v levels="$CONCURRENCY" \
            -f "$BENCH_DIR/stats.awk" -f "$BENCH_DIR/table.awk" "$RAW" "$SKIPPED"
        write_notes
    } >"$OUT/table.md"
    [ -n "${ACCEPT_OUT:-}" ] || ln -sfn "$(basename "$OUT")" "$BENCH_DIR/out/accept-$MODE-latest"
    cat "$OUT/table.md"
    echo
    echo "raw numbers: $RAW; logs: $OUT/logs"
}

main
