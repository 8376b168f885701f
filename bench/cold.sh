#!/usr/bin/env bash
# cold.sh: the Accept=no benchmarks. "cold": connect → first byte while the
# service is not running, for usherd, coldact (a C fork+exec activator) and
# systemd-socket-activate, with a static and a dynamic service. "steady": the
# same service, once activated by usherd, against it binding its own socket.
# Raw key=value lines go to $OUT/raw.txt; processes are stopped by PID.
set -u
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=contenders.sh
source "$BENCH_DIR/contenders.sh"

OUT=${COLD_OUT:-$BENCH_DIR/out/cold-$(date -u +%Y%m%d-%H%M%S)}
ACTIVATORS=${ACTIVATORS:-"coldact socket-activate usherd"}
SERVICES=${SERVICES:-"static dynamic"}
SAMPLES=${SAMPLES:-100}          # activations measured per cell
REPEATS=${REPEATS:-3}            # cells per activator × service, interleaved
GAP_MS=${GAP_MS:-20}             # pause after a service is gone, before the next connect
STEADY_COUNT=${STEADY_COUNT:-20000}
STEADY_CONCURRENCY=${STEADY_CONCURRENCY:-"1 16"}
MAX_SECONDS=${MAX_SECONDS:-60}
PORT_BASE=${PORT_BASE:-22700}
LOADGEN=$BENCH_DIR/bin/loadgen
RAW=$OUT/raw.txt
NEXT_PORT=$PORT_BASE
SUP_PID=0

service_path() {
    echo "$BENCH_DIR/bin/activate-svc-$1"
}

next_port() {
    local port
    port=$("$LOADGEN" -F "$NEXT_PORT") || return 1
    NEXT_PORT=$((port + 1))
    echo "$port"
}

# The Accept=no units a user would write; no start or trigger limit in the
# way of hundreds of activations in a few seconds.
write_accept_no_units() {
    local port=$1 command=$2 dir=$3
    mkdir -p "$dir"
    printf '[Socket]\nListenStream=127.0.0.1:%s\nTriggerLimitIntervalSec=0\n' "$port" >"$dir/bench.socket"
    printf '[Unit]\nStartLimitIntervalSec=0\n[Service]\nExecStart=%s\n' "$command" >"$dir/bench.service"
}

start_usherd_accept_no() {
    local port=$1 command=$2 work=$3
    write_accept_no_units "$port" "$command" "$work/units"
    mkdir -p "$work/run"
    "$USHERD" --unit-dir "$work/units" --runtime-dir "$work/run" </dev/null >"$work/usherd.log" 2>&1 &
    SUP_PID=$!
}

# cold_cell ACTIVATOR SERVICE REPEAT: one coldprobe run, one raw line.
cold_cell() {
    local activator=$1 service=$2 repeat=$3 port line work
    local tag=cold-$activator-$service-r$repeat svc
    svc=$(service_path "$service")
    work=$OUT/work/$tag
    mkdir -p "$work"
    port=$(next_port) || { echo "cold: no free port" >&2; return; }
    case $activator in
    coldact)
        "$BENCH_DIR/bin/coldact" 127.0.0.1 "$port" "$svc" once </dev/null >"$work/log" 2>&1 &
        SUP_PID=$!
        line=$("$BENCH_DIR/bin/coldprobe" -p "$port" -n "$SAMPLES" -g "$GAP_MS" -t "$MAX_SECONDS" -s "$SUP_PID" -l "$tag")
        contender_stop "$SUP_PID" ;;
    socket-activate)
        line=$(SYSTEMD_LOG_LEVEL=notice "$BENCH_DIR/bin/coldprobe" -p "$port" -n "$SAMPLES" -g "$GAP_MS" \
            -t "$MAX_SECONDS" -l "$tag" -- "$(find_socket_activate)" -l "127.0.0.1:$port" "$svc" once 2>"$work/log") ;;
    usherd)
        start_usherd_accept_no "$port" "$svc once" "$work"
        line=$("$BENCH_DIR/bin/coldprobe" -p "$port" -n "$SAMPLES" -g "$GAP_MS" -t "$MAX_SECONDS" -s "$SUP_PID" -l "$tag")
        contender_stop "$SUP_PID" ;;
    esac
    [ -n "$line" ] || { echo "cold: $tag: no result" >&2; return; }
    echo "scenario=cold activator=$activator service=$service repeat=$repeat $line" >>"$RAW"
    echo "cold: $tag: $(grep -o 'p50_us=[^ ]*\|p99_us=[^ ]*\|errors=[^ ]*' <<<"$line" | tr '\n' ' ')" >&2
}

# steady_cell MODE CONCURRENCY REPEAT: loadgen against the long-running
# service, activated by usherd ("usherd") or on its own socket ("own-socket").
# Both run in a session of their own (usherd, like systemd, starts every
# service with setsid; the own-socket one is started with setsid too), so with
# sched_autogroup both are a scheduling group apart from loadgen alike.
steady_cell() {
    local mode=$1 concurrency=$2 repeat=$3 port line work svc pid
    local tag=steady-$mode-c$concurrency-r$repeat
    svc=$(service_path static)
    work=$OUT/work/$tag
    mkdir -p "$work"
    port=$(next_port) || return
    if [ "$mode" = usherd ]; then
        start_usherd_accept_no "$port" "$svc serve" "$work"
    else
        setsid "$svc" serve 127.0.0.1 "$port" </dev/null >"$work/log" 2>&1 &
        SUP_PID=$!
    fi
    pid=$SUP_PID
    if "$LOADGEN" -P -p "$port" -t 5 -s "$pid" -x hello 2>/dev/null; then
        # The service's own CPU per connection (under usherd: usherd's child) is
        # the figure the machine's other load does not move much.
        svc_pid=$pid
        [ "$mode" = usherd ] && svc_pid=$(cat /proc/"$pid"/task/*/children 2>/dev/null | awk '{ print $1; exit }')
        line=$("$LOADGEN" -p "$port" -c "$concurrency" -n "$STEADY_COUNT" -w 500 -t "$MAX_SECONDS" -l "$tag" \
            -s "${svc_pid:-$pid}" -x hello)
        echo "scenario=steady mode=$mode repeat=$repeat $line" >>"$RAW"
        echo "steady: $tag: $(grep -o 'cps=[^ ]*\|p99_us=[^ ]*\|errors=[^ ]*' <<<"$line" | tr '\n' ' ')" >&2
    else
        echo "steady: $tag: no answer" >&2
    fi
    contender_stop "$pid"
}

main() {
    local repeat activator service concurrency mode
    mkdir -p "$OUT/work"
    : >"$RAW"
    for repeat in $(seq 1 "$REPEATS"); do
        for activator in $ACTIVATORS; do
            if [ "$activator" = socket-activate ] && ! find_socket_activate >/dev/null; then
                echo "cold: systemd-socket-activate not found, skipped" >&2
                continue
            fi
            for service in $SERVICES; do cold_cell "$activator" "$service" "$repeat"; done
        done
        for concurrency in $STEADY_CONCURRENCY; do
            for mode in own-socket usherd; do steady_cell "$mode" "$concurrency" "$repeat"; done
        done
    done
    echo "cold: raw lines in $RAW" >&2
}

main
